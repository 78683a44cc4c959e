using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>charts</c>: reads the JSON result line of every scenario log in a directory and writes, next to them, one SVG chart
/// per result (<c>{scenario}[-cluster|-unpinned].svg</c>) and <c>summary.md</c>: the figures and targets as Markdown
/// tables, ready for <c>docs/performance.md</c>.
/// </summary>
internal static class Charts
{
    private static readonly string[] Colors = ["#8c8c8c", "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];

    public static int Run(Options options)
    {
        var input = options.String("in", "/tmp/actoroauth-bench");
        var output = options.String("out", input);
        Directory.CreateDirectory(output);
        var summary = new StringBuilder();
        var results = Directory.EnumerateFiles(input, "*.log").Order(StringComparer.Ordinal)
            .Select(f => (File: f, Json: LastJsonLine(f))).Where(r => r.Json is not null).ToList();
        if (results.Count == 0)
        {
            Console.Error.WriteLine($"no result lines in {input}/*.log");
            return 1;
        }

        foreach (var (file, json) in results)
        {
            using var doc = JsonDocument.Parse(json!);
            var r = doc.RootElement;
            var scenario = r.GetProperty("scenario").GetString()!;
            var name = scenario + (Str(r, "mode") == "cluster" ? "-cluster" : "")
                + (r.TryGetProperty("handout", out var h) && h.ValueKind == JsonValueKind.False ? "-handout-off" : "")
                + (r.TryGetProperty("pinned", out var p) && p.ValueKind == JsonValueKind.False ? "-unpinned" : "")
                + (r.TryGetProperty("control", out var c) && c.ValueKind == JsonValueKind.True ? "-control" : "");
            var svg = scenario switch
            {
                "token-fetch" => TokenFetch(r, name, summary),
                "grain-read" => GrainRead(r, name, summary),
                "connect-flow" => ConnectFlow(r, summary),
                "memory" => Memory(r, summary),
                "refresh-storm" => RefreshStorm(r, summary),
                "index" => Index(r, summary),
                _ => null,
            };
            if (svg is not null)
            {
                var path = Path.Combine(output, name + ".svg");
                File.WriteAllText(path, svg);
                Console.WriteLine($"{Path.GetFileName(file)} → {path}");
            }
        }

        File.WriteAllText(Path.Combine(output, "summary.md"), summary.ToString());
        Console.WriteLine($"summary → {Path.Combine(output, "summary.md")}");
        return 0;
    }

    private static string? LastJsonLine(string file) =>
        File.ReadLines(file).LastOrDefault(l => l.StartsWith("{\"scenario\"", StringComparison.Ordinal));

    private static string TokenFetch(JsonElement r, string name, StringBuilder summary)
    {
        var cluster = Str(r, "mode") == "cluster";
        var levels = r.GetProperty("levels").EnumerateArray().ToList();
        string[] categories = [.. levels.Select(l => "c = " + l.GetProperty("concurrency").GetInt32())];
        (string Name, string Key)[] targets = [("bare Kestrel", "bare"), (cluster ? "ActorOAuth (cluster)" : "ActorOAuth", "actorOAuth"), ("database per fetch", "databasePerFetch")];
        Series[] Of(string field) => [.. targets.Select(t => new Series(t.Name, [.. levels.Select(l => Num(l.GetProperty(t.Key), field))]))];

        summary.AppendLine($"### {name}: {(cluster ? "cluster" : "embedded")}{(name.EndsWith("-handout-off", StringComparison.Ordinal) ? ", hand-out table off" : "")}{(name.EndsWith("-control", StringComparison.Ordinal) ? ", control: the bare endpoint measured again in ActorOAuth's place" : "")} ({Date(r)}, {r.GetProperty("connections").GetInt32():N0} connections, {r.GetProperty("secondsPerRun").GetInt32()} s per run{(r.TryGetProperty("slices", out var k) && k.GetInt32() > 1 ? $" in {k.GetInt32()} alternating slices" : "")}{(r.TryGetProperty("rounds", out var n) && n.GetInt32() > 1 ? $"; per concurrency the worst of {n.GetInt32()} rounds" : "")})");
        summary.AppendLine();
        summary.AppendLine("| c | target | req/s | p50 ms | p99 ms | p99.9 ms | bytes allocated/req | server CPU µs/req | GC paused | errors | others' CPU |");
        summary.AppendLine("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var l in levels)
        {
            foreach (var (label, key) in targets.Append(("raw PK read", "rawPkRead")))
            {
                var m = l.GetProperty(key);
                if (double.IsNaN(Num(m, "rps")))
                {
                    continue;
                }

                summary.AppendLine($"| {l.GetProperty("concurrency").GetInt32()} | {label} | {F(Num(m, "rps"), 0)} | {F(Num(m, "p50Ms"), 2)} | {F(Num(m, "p99Ms"), 2)} | {F(Num(m, "p999Ms"), 2)} | {F(Num(m, "allocatedBytesPerRequest"), 0)} | {F(Num(m, "cpuUsPerRequest"), 1)} | {F(Num(m, "gcPausePercent"), 1)} % | {F(Num(m, "errors"), 0)} | {F(Num(m, "othersCpu"), 0)} % |");
            }
        }

        summary.AppendLine();
        summary.AppendLine(cluster
            ? "| c | req/s vs bare (target ≥ 0.6 at 64, 256) | p99 vs bare (≤ 2) | vs database per fetch |"
            : "| c | req/s vs bare (target ≥ 0.8) | p99 vs bare (≤ 1.5) | p99.9 vs bare (≤ 3) | allocated − bare's, bytes (≤ 1024) | vs database per fetch |");
        summary.AppendLine(cluster ? "|--:|--:|--:|--:|" : "|--:|--:|--:|--:|--:|--:|");
        foreach (var l in levels)
        {
            var c = l.GetProperty("concurrency").GetInt32();
            var (a, b) = (l.GetProperty("actorOAuth"), l.GetProperty("bare"));
            var ratio = Num(a, "rps") / Num(b, "rps");
            var p99 = Num(a, "p99Ms") / Num(b, "p99Ms");
            var p999 = Num(a, "p999Ms") / Num(b, "p999Ms");
            var extra = Num(a, "allocatedBytesPerRequest") - Num(b, "allocatedBytesPerRequest");
            var db = Num(a, "rps") / Num(l.GetProperty("databasePerFetch"), "rps");
            summary.AppendLine(cluster
                ? $"| {c} | {X(ratio)} {Met(c is 16 || ratio >= 0.6)} | {X(p99)} {Met(c is 16 || p99 <= 2)} | {X(db)} |"
                : $"| {c} | {X(ratio)} {Met(ratio >= 0.8)} | {X(p99)} {Met(p99 <= 1.5)} | {X(p999)} {Met(p999 <= 3)} | {F(extra, 0)} {Met(double.IsNaN(extra) || extra <= 1024)} | {X(db)} |");
        }

        if (r.TryGetProperty("roundRatios", out var rounds) && rounds.GetArrayLength() > levels.Count)
        {
            // Several rounds: the tables above show each concurrency's worst round (by req/s ratio); every round's ratios here.
            summary.AppendLine();
            summary.AppendLine($"Every round ({r.GetProperty("rounds").GetInt32()} per concurrency, bare and ActorOAuth back to back in alternating order):");
            summary.AppendLine();
            summary.AppendLine("| c | round | req/s vs bare | p99 vs bare | p99.9 vs bare | allocated − bare's, bytes |");
            summary.AppendLine("|--:|--:|--:|--:|--:|--:|");
            foreach (var round in rounds.EnumerateArray())
            {
                summary.AppendLine($"| {round.GetProperty("concurrency").GetInt32()} | {round.GetProperty("round").GetInt32()} | {X(Num(round, "vsBare"))} | {X(Num(round, "p99VsBare"))} | {X(Num(round, "p999VsBare"))} | {F(Num(round, "extraAllocatedBytes"), 0)} |");
            }
        }

        summary.AppendLine();
        return Svg($"{name} — {Date(r)}", categories,
            new Panel("requests per second", Of("rps"), Log: false, Unit: ""),
            new Panel("p99 latency (ms, log scale)", Of("p99Ms"), Log: true, Unit: " ms"));
    }

    private static string GrainRead(JsonElement r, string name, StringBuilder summary)
    {
        var levels = r.GetProperty("levels").EnumerateArray().ToList();
        var pinned = r.GetProperty("pinned").GetBoolean();
        summary.AppendLine($"### grain-read{(pinned ? "" : ", unpinned")} ({Date(r)})");
        summary.AppendLine();
        summary.AppendLine("| c | reads/s | bytes allocated/read | CPU | others' CPU |");
        summary.AppendLine("|--:|--:|--:|--:|--:|");
        foreach (var l in levels)
        {
            summary.AppendLine($"| {l.GetProperty("concurrency").GetInt32()} | {F(Num(l, "readsPerSecond"), 0)} | {F(Num(l, "allocatedBytesPerRead"), 0)} | {F(Num(l, "cpu"), 0)} % | {F(Num(l, "othersCpu"), 0)} % |");
        }

        summary.AppendLine();
        return Svg($"{name} — {Date(r)}", [.. levels.Select(l => "c = " + l.GetProperty("concurrency").GetInt32())],
            new Panel("reads per second (in-process GetAccessToken)", [new Series("ActorOAuth grain", [.. levels.Select(l => Num(l, "readsPerSecond"))])], Log: false, Unit: ""),
            new Panel("bytes allocated per read", [new Series("ActorOAuth grain", [.. levels.Select(l => Num(l, "allocatedBytesPerRead"))])], Log: false, Unit: " B"));
    }

    private static string ConnectFlow(JsonElement r, StringBuilder summary)
    {
        var levels = r.GetProperty("levels").EnumerateArray().ToList();
        summary.AppendLine($"### connect-flow ({Date(r)})");
        summary.AppendLine();
        summary.AppendLine("| c | completed connections/s | p50 ms | p99 ms | errors |");
        summary.AppendLine("|--:|--:|--:|--:|--:|");
        foreach (var l in levels)
        {
            summary.AppendLine($"| {l.GetProperty("concurrency").GetInt32()} | {F(Num(l, "connectionsPerSecond"), 0)} | {F(Num(l, "p50Ms"), 1)} | {F(Num(l, "p99Ms"), 1)} | {F(Num(l, "errors"), 0)} |");
        }

        summary.AppendLine();
        string[] categories = [.. levels.Select(l => "c = " + l.GetProperty("concurrency").GetInt32())];
        return Svg($"connect-flow — {Date(r)}", categories,
            new Panel("completed connections per second", [new Series("authorize + callback + code exchange", [.. levels.Select(l => Num(l, "connectionsPerSecond"))])], Log: false, Unit: ""),
            new Panel("p99 latency (ms, log scale)", [new Series("authorize + callback + code exchange", [.. levels.Select(l => Num(l, "p99Ms"))])], Log: true, Unit: " ms"));
    }

    private static string Memory(JsonElement r, StringBuilder summary)
    {
        double B(string state, string field) => Num(r.GetProperty(state), field);
        summary.AppendLine($"### memory ({Date(r)}, {r.GetProperty("connections").GetInt32():N0} connections)");
        summary.AppendLine();
        summary.AppendLine("| per connection | heap bytes | RSS bytes | target |");
        summary.AppendLine("|---|--:|--:|---|");
        summary.AppendLine($"| active (connected, fetched once) | {F(B("perActive", "heapBytes"), 0)} | {F(B("perActive", "rssBytes"), 0)} | ≤ 8,192 {Met(B("perActive", "heapBytes") <= 8192)} |");
        summary.AppendLine($"| deactivated (reminder + row) | {F(B("perDeactivated", "heapBytes"), 0)} | {F(B("perDeactivated", "rssBytes"), 0)} | |");
        summary.AppendLine();
        return Svg($"memory — {Date(r)}", ["active", "deactivated"],
            new Panel("bytes per connection (target ≤ 8,192 active)",
            [
                new Series("managed heap", [B("perActive", "heapBytes"), B("perDeactivated", "heapBytes")]),
                new Series("RSS", [B("perActive", "rssBytes"), B("perDeactivated", "rssBytes")]),
            ], Log: false, Unit: " B", Reference: 8192));
    }

    private static string RefreshStorm(JsonElement r, StringBuilder summary)
    {
        summary.AppendLine($"### refresh-storm ({Date(r)}, {r.GetProperty("connections").GetInt32():N0} connections)");
        summary.AppendLine();
        summary.AppendLine("| provider calls per due time | deadline misses | least margin s | refreshes/s mean / peak | fetches / expired served / errors |");
        summary.AppendLine("|--:|--:|--:|--:|--:|");
        summary.AppendLine($"| {F(Num(r, "callsPerDueTime"), 4)} {Met(Num(r, "callsPerDueTime") == 1)} | {F(Num(r, "deadlineMisses"), 0)} {Met(Num(r, "deadlineMisses") == 0)} | {F(Num(r, "minMarginSeconds"), 1)} | {F(Num(r, "meanRefreshesPerSecond"), 1)} / {F(Num(r, "peakRefreshesPerSecond"), 0)} | {F(Num(r, "fetches"), 0)} / {F(Num(r, "servedExpired"), 0)} / {F(Num(r, "fetchErrors"), 0)} |");
        summary.AppendLine();
        return Svg($"refresh-storm — {Date(r)}", ["mean", "peak"],
            new Panel("refreshes per second", [new Series("refreshes", [Num(r, "meanRefreshesPerSecond"), Num(r, "peakRefreshesPerSecond")])], Log: false, Unit: ""),
            new Panel("provider calls per due time (target 1.0)", [new Series("calls per due time", [Num(r, "callsPerDueTime"), double.NaN])], Log: false, Unit: "", Reference: 1));
    }

    private static string Index(JsonElement r, StringBuilder summary)
    {
        var sizes = r.GetProperty("sizes").EnumerateArray().ToList();
        summary.AppendLine($"### index ({Date(r)})");
        summary.AppendLine();
        summary.AppendLine("| connections in the tenant | change mean µs | change p99 µs | bytes written per change | full listing ms |");
        summary.AppendLine("|--:|--:|--:|--:|--:|");
        foreach (var s in sizes)
        {
            summary.AppendLine($"| {F(Num(s, "connections"), 0)} | {F(Num(s, "changeMeanUs"), 0)} | {F(Num(s, "changeP99Us"), 0)} | {F(Num(s, "bytesPerChange"), 0)} | {F(Num(s, "listingMs"), 1)} |");
        }

        summary.AppendLine();
        string[] categories = [.. sizes.Select(s => F(Num(s, "connections"), 0))];
        return Svg($"index — {Date(r)}", categories,
            new Panel("status change latency (µs)", [new Series("mean", [.. sizes.Select(s => Num(s, "changeMeanUs"))]), new Series("p99", [.. sizes.Select(s => Num(s, "changeP99Us"))])], Log: false, Unit: " µs"),
            new Panel("bytes written per change", [new Series("bytes", [.. sizes.Select(s => Num(s, "bytesPerChange"))])], Log: false, Unit: " B"));
    }

    private sealed record Series(string Name, double[] Values);

    private sealed record Panel(string Title, Series[] Series, bool Log, string Unit, double Reference = double.NaN);

    /// <summary>Grouped bars, one panel beside the other, a shared legend below.</summary>
    private static string Svg(string title, string[] categories, params Panel[] panels)
    {
        const int panelWidth = 420, panelHeight = 260, top = 60, left = 70, gap = 40;
        var width = left + panels.Length * (panelWidth + gap);
        var series = panels.SelectMany(p => p.Series.Select(s => s.Name)).Distinct().ToList();
        var height = top + panelHeight + 60 + 20 * ((series.Count + 2) / 3);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{E(title)}</text>");
        for (var pi = 0; pi < panels.Length; pi++)
        {
            var panel = panels[pi];
            var x0 = left + pi * (panelWidth + gap);
            var values = panel.Series.SelectMany(s => s.Values).Where(v => !double.IsNaN(v) && v > 0).Append(double.IsNaN(panel.Reference) ? 0 : panel.Reference).ToList();
            var max = values.Count == 0 ? 1 : values.Max();
            var min = panel.Log ? Math.Pow(10, Math.Floor(Math.Log10(Math.Max(values.Where(v => v > 0).DefaultIfEmpty(1).Min(), 1e-3)))) : 0;
            var maxAxis = panel.Log ? Math.Pow(10, Math.Ceiling(Math.Log10(max))) : NiceCeiling(max);
            double Y(double v) => top + panelHeight - panelHeight * (panel.Log
                ? (Math.Log10(Math.Max(v, min)) - Math.Log10(min)) / (Math.Log10(maxAxis) - Math.Log10(min))
                : v / maxAxis);

            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0}\" y=\"{top - 12}\" font-weight=\"bold\">{E(panel.Title)}</text>");
            foreach (var tick in Ticks(min, maxAxis, panel.Log))
            {
                var y = Y(tick);
                svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" y1=\"{y:F1}\" x2=\"{x0 + panelWidth}\" y2=\"{y:F1}\" stroke=\"#e0e0e0\"/>");
                svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x0 - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\" fill=\"#555\">{E(Short(tick))}</text>");
            }

            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" y1=\"{top + panelHeight}\" x2=\"{x0 + panelWidth}\" y2=\"{top + panelHeight}\" stroke=\"#333\"/>");
            var groupWidth = panelWidth / (double)categories.Length;
            var barWidth = groupWidth * 0.8 / Math.Max(1, panel.Series.Length);
            for (var ci = 0; ci < categories.Length; ci++)
            {
                var gx = x0 + ci * groupWidth;
                svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{gx + groupWidth / 2:F1}\" y=\"{top + panelHeight + 18}\" text-anchor=\"middle\">{E(categories[ci])}</text>");
                for (var si = 0; si < panel.Series.Length; si++)
                {
                    var v = panel.Series[si].Values.ElementAtOrDefault(ci);
                    if (double.IsNaN(v) || v <= 0)
                    {
                        continue;
                    }

                    var bx = gx + groupWidth * 0.1 + si * barWidth;
                    var y = Y(v);
                    var color = Colors[series.IndexOf(panel.Series[si].Name) % Colors.Length];
                    svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{bx:F1}\" y=\"{y:F1}\" width=\"{barWidth - 2:F1}\" height=\"{top + panelHeight - y:F1}\" fill=\"{color}\"><title>{E(panel.Series[si].Name)}, {E(categories[ci])}: {E(Short(v) + panel.Unit)}</title></rect>");
                    svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{bx + (barWidth - 2) / 2:F1}\" y=\"{y - 3:F1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">{E(Short(v))}</text>");
                }
            }

            if (!double.IsNaN(panel.Reference))
            {
                var y = Y(panel.Reference);
                svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" y1=\"{y:F1}\" x2=\"{x0 + panelWidth}\" y2=\"{y:F1}\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>");
            }
        }

        for (var i = 0; i < series.Count; i++)
        {
            var x = left + i % 3 * 250;
            var y = top + panelHeight + 40 + i / 3 * 20;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y - 10}\" width=\"12\" height=\"12\" fill=\"{Colors[i % Colors.Length]}\"/><text x=\"{x + 18}\" y=\"{y}\">{E(series[i])}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static IEnumerable<double> Ticks(double min, double max, bool log)
    {
        if (log)
        {
            for (var t = min; t <= max * 1.0001; t *= 10)
            {
                yield return t;
            }

            yield break;
        }

        var step = max / 5;
        for (var i = 0; i <= 5; i++)
        {
            yield return i * step;
        }
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (m * magnitude >= value)
            {
                return m * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Short(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 1 => v.ToString("0.##", CultureInfo.InvariantCulture),
        _ => v.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string E(string text) => SecurityElement.Escape(text);

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static double Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => double.NaN,
        } : double.NaN;

    private static string Date(JsonElement r) =>
        r.TryGetProperty("date", out var d) && d.TryGetDateTimeOffset(out var at) ? at.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "";

    private static string F(double v, int decimals) => double.IsNaN(v) ? "–" : v.ToString("N" + decimals, CultureInfo.InvariantCulture);

    private static string X(double v) => double.IsNaN(v) ? "–" : v.ToString("F2", CultureInfo.InvariantCulture) + "×";

    private static string Met(bool met) => met ? "✓" : "✗";
}
