using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorOAuth.Benchmarks;

/// <summary>What every scenario prints: a header, tables, and last one JSON line of results.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public static void Header(string scenario, string detail)
    {
        Console.WriteLine($"== {scenario} — {Started:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"   machine: {Machine.Describe()}");
        Console.WriteLine($"   pinning: {(Machine.Pinned ? $"server side on CPU {Machine.ServerCore}, load generators on CPU {Machine.LoadCore}" : "none (--no-pin)")}");
        Console.WriteLine($"   {detail}");
        Console.WriteLine();
    }

    public static void Step(string message) => Console.Error.WriteLine($"[{DateTimeOffset.UtcNow:HH:mm:ss}] {message}");

    public static void Table(string title, string[] headers, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { headers };
        all.AddRange(rows);
        var widths = headers.Select((_, i) => all.Max(r => r.ElementAtOrDefault(i)?.Length ?? 0)).ToArray();
        Console.WriteLine(title);
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |";
        Console.WriteLine(Line(headers));
        Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in all.Skip(1))
        {
            Console.WriteLine(Line(row));
        }

        Console.WriteLine();
    }

    /// <summary>The one JSON line of results, printed last.</summary>
    public static void JsonLine(object result)
    {
        Console.WriteLine($"load average at the end: {Machine.LoadAverage():F2} (1 min)");
        Console.WriteLine();
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), Json));
    }

    public static string N(double value, int decimals = 0) => value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    public static string Ms(double microseconds) => (microseconds / 1000).ToString("F2", CultureInfo.InvariantCulture);

    public static string Pct(double value) => value.ToString("F0", CultureInfo.InvariantCulture) + " %";

    public static string X(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture) + "×";

    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB";

    public static string Check(bool met) => met ? "met" : "MISSED";

    public static double Round(double value, int decimals = 2) => Math.Round(value, decimals);
}

/// <summary>One measurement with the CPU each core spent during it.</summary>
/// <summary>
/// <paramref name="AllocatedPerRequest"/>: bytes this process allocated per request (NaN when the server is another
/// process). <paramref name="ForeignCpu"/>: CPU that processes not of this run and the hypervisor (steal) took meanwhile, % of one core.
/// <paramref name="CpuPerRequestUs"/>: CPU time this process spent per request, µs (NaN when the server is another
/// process): less sensitive than req/s to what other processes take from the machine. <paramref name="Gen0Collections"/>
/// and <paramref name="GcPausePercent"/>: this process's gen0 collections during the run and the share of the run its
/// GC paused it (NaN when the server is another process); <paramref name="Gen1Collections"/> and
/// <paramref name="Gen2Collections"/> likewise (a gen2 in a run is the first suspect for its p99.9); <paramref name="Stalls"/>
/// what held this process back during the run (null when the server is another process).
/// </summary>
internal sealed record Measured(LoadResult Load, double ServerCpu, double LoadCpu, double AllocatedPerRequest = double.NaN, double ForeignCpu = double.NaN,
    double CpuPerRequestUs = double.NaN, double Gen0Collections = double.NaN, double GcPausePercent = double.NaN,
    double Gen1Collections = double.NaN, double Gen2Collections = double.NaN, Stalls.Window? Stalls = null)
{
    /// <summary>A target left out with <c>--targets</c>.</summary>
    public static Measured None { get; } = new(new LoadResult(0, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0), double.NaN, double.NaN);
}

internal static class Measure
{
    /// <summary>A run during which other processes and the hypervisor (steal) took more than this share of a core is measured again (twice at most).</summary>
    public const double ForeignLimit = 10;

    /// <summary>
    /// Runs <paramref name="run"/> and samples both cores' busy share around it, the CPU other processes and the hypervisor took, and
    /// (when this process is the server, <paramref name="inProcess"/>) the bytes it allocated per request and its stalls. A run
    /// disturbed by more than <see cref="ForeignLimit"/> is measured again, twice at most, and the least disturbed is kept.
    /// </summary>
    public static async Task<Measured> WithCpuAsync(Func<Task<LoadResult>> run, bool inProcess = false)
    {
        Measured? quietest = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var measured = await OnceAsync(run, inProcess);
            if (measured.ForeignCpu <= ForeignLimit)
            {
                return measured;
            }

            // Not the last attempt but the least disturbed: which one that is says nothing about the code measured.
            quietest = quietest is null || measured.ForeignCpu < quietest.ForeignCpu ? measured : quietest;
            Report.Step($"  other processes and the hypervisor took {measured.ForeignCpu:F0} % of a core during that run; " +
                (attempt < 3 ? "measuring it again" : $"kept the least disturbed of the three ({quietest.ForeignCpu:F0} %)"));
        }

        return quietest!;
    }

    private static async Task<Measured> OnceAsync(Func<Task<LoadResult>> run, bool inProcess)
    {
        var stalls = inProcess ? Stalls.Begin() : null;
        var before = Machine.CpuTimes();
        var foreignBefore = Machine.ForeignTicks();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var paused = GC.GetTotalPauseDuration();
        var result = await run();
        var gen0Collections = GC.CollectionCount(0) - gen0;
        var gen1Collections = GC.CollectionCount(1) - gen1;
        var gen2Collections = GC.CollectionCount(2) - gen2;
        var pausePercent = 100 * (GC.GetTotalPauseDuration() - paused).TotalSeconds / clock.Elapsed.TotalSeconds;
        var cpuUs = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
        var busy = Machine.Busy(before, Machine.CpuTimes());
        var foreign = (Machine.ForeignTicks() - foreignBefore) / clock.Elapsed.TotalSeconds; // ticks are 1/100 s
        var perRequest = inProcess && result.Requests > 0 ? (GC.GetTotalAllocatedBytes(precise: false) - allocated) / (double)result.Requests : double.NaN;
        var cpuPerRequest = inProcess && result.Requests > 0 ? cpuUs / result.Requests : double.NaN;
        return new Measured(result, busy.GetValueOrDefault(Machine.ServerCore), busy.GetValueOrDefault(Machine.LoadCore), perRequest, foreign, cpuPerRequest,
            inProcess ? gen0Collections : double.NaN, inProcess ? pausePercent : double.NaN,
            inProcess ? gen1Collections : double.NaN, inProcess ? gen2Collections : double.NaN, stalls?.Invoke());
    }
}
