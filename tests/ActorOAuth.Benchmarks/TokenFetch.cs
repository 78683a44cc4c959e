using ActorOAuth.Hosting;
using System.Net.Http.Headers;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>token-fetch</c>: connected connections (tokens valid, each fetched once so it is <c>used</c>), then for each
/// concurrency, 30 s each of closed-loop HTTP load on (a) the bare Kestrel endpoint, ActorOAuth's
/// <c>POST /api/connections/{id}/token</c> over random ids, (b) the same over a database-per-fetch endpoint (an Npgsql
/// primary-key read per request), and the raw primary-key read through Npgsql from the load CPU. With <c>--rounds N</c>
/// bare and ActorOAuth are measured N times per concurrency, in alternating order, each ratio within its round; with
/// <c>--slices N</c> each round's runs are cut into N slices that alternate (<see cref="Interleaved"/>), and with
/// <c>--control</c> the bare endpoint is measured again in ActorOAuth's place (how far the method alone moves a ratio). The
/// database baselines run after all of those (their load leaves work behind that would fall on the next run).
/// </summary>
internal static class TokenFetch
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        Wrk.EnsureInstalled();
        if (options.StringOrNull("telemetry") is { } telemetry)
        {
            await TokenFetchTelemetry.RunAsync(options, telemetry, cancellationToken);
            return;
        }

        var cluster = options.Flag("cluster");
        var count = options.Int("connections", 10_000);
        var perTenant = options.Int("per-tenant", 1_000);
        var seconds = options.Int("duration", 30);
        var warmup = options.Int("warmup", 15);
        var levels = options.Ints("concurrency", [16, 64, 256]);
        var targets = options.String("targets", "bare,actor,db,pg").Split(',').ToHashSet();
        var handout = options.String("handout", "on") != "off";
        var rounds = Math.Max(1, options.Int("rounds", 1));
        var settle = options.Int("settle", 5);
        var slices = Math.Max(1, options.Int("slices", 1));
        var control = options.Flag("control");
        string Of(int round) => rounds > 1 ? $", round {round} of {rounds}" : "";
        var fleet = new Fleet(count, perTenant);
        var settings = options.String("settings", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (settings.FirstOrDefault(s => s.IndexOf('=') < 1) is { } malformed)
        {
            throw new ArgumentException($"--settings takes Key=Value pairs separated by commas; '{malformed}' is not one.");
        }

        var mode = (cluster ? "cluster (API process → 1 silo process, PostgreSQL storage, all on the server CPU)" : "embedded (API + co-hosted silo in this process)")
            + (handout ? "" : ", hand-out table off") + (settings.Length > 0 ? ", settings " + string.Join(',', settings) : "");
        Report.Header("token-fetch", $"{count:N0} connections in {count / perTenant} tenants, {mode}; {seconds} s per run, concurrency {string.Join('/', levels)}");

        string[] serverSettings = [.. handout ? [] : new[] { "ActorOAuth:Handout:Enabled=false" }, .. settings];
        await using var postgres = await LocalPostgres.StartAsync(cluster, fleet.ApiKeys, cancellationToken, serverSettings);
        await using var provider = await ProviderProcess.StartAsync();
        var bare = new BareEndpoint();
        await using var database = new DbPerFetchEndpoint();
        database.Connect(postgres.ConnectionString);
        await using var host = await ApiHost.StartAsync(fleet.ApiKeys, extra: serverSettings.Select(h => "--" + h), cluster: postgres.Cluster, map: app =>
        {
            bare.Map(app);
            database.Map(app);
        });
        var target = postgres.Cluster?.ApiUrl ?? host.BaseUrl;

        Report.Step($"seeding {count:N0} connected connections on the grains");
        var seeded = await fleet.SeedAsync(host.Grains, provider.Url, target + "/callback", connect: true, concurrency: 64, cancellationToken);
        Report.Step($"seeded in {seeded.TotalSeconds:F1} s; fetching each token once");
        await fleet.FetchAllAsync(host.Grains, 64, cancellationToken);

        var body = await SampleBodyAsync(target, fleet.Connections[0]);
        bare.Answer(body);
        Report.Step($"token response body is {body.Length} bytes; bare endpoint {host.BaseUrl}{BareEndpoint.Path("{id}")}; GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, latency mode {System.Runtime.GCSettings.LatencyMode}, " +
            $"background GC thread kept running: {(host.App.Services.GetServices<IHostedService>().OfType<BackgroundGcThread>().Any() ? "yes" : "no")}");

        var bareTarget = (host.BaseUrl, BareEndpoint.Prefix);
        // --control measures the bare endpoint in ActorOAuth's place: the ratios the method gives two equal targets.
        var actorTarget = control ? bareTarget : (target, "/api/connections/");
        var databaseTarget = (host.BaseUrl, DbPerFetchEndpoint.Prefix);
        Task<LoadResult> Http((string Url, string Prefix) to, int concurrency, int duration) =>
            Benchmarks.Wrk.RunAsync(to.Url, to.Prefix, count, perTenant, concurrency, duration, cancellationToken);

        // Every measured run follows `settle` seconds of the same load, not measured: what the previous run left (its
        // garbage, connections whose `used` entry fell due while another target was measured) is not charged to it.
        async Task<Measured> Settled(string name, (string Url, string Prefix) to, int concurrency, bool inProcess, int settleSeconds, int measuredSeconds)
        {
            if (settleSeconds > 0)
            {
                await Http(to, concurrency, settleSeconds);
            }

            var measured = await Measure.WithCpuAsync(() => Http(to, concurrency, measuredSeconds), inProcess);
            // In process, each measured run also says what held the server back in it: a tail is read from it.
            if (measured.Stalls is { } stalls)
            {
                Report.Step($"  {name}: {Report.N(measured.Load.Rps)} req/s, p99.9 {Report.Ms(measured.Load.P999Us)} ms, gen2 {measured.Gen2Collections}; {stalls}");
            }

            return measured;
        }

        Task<LoadResult> Pg(int concurrency, int duration)
        {
            database.Release();
            return PgLoad.MeasureAsync(postgres.ConnectionString, count, concurrency, duration, cancellationToken);
        }

        Report.Step($"warming up ({warmup} s each)");
        await Http(bareTarget, 64, warmup);
        await Http(actorTarget, 64, warmup);
        if (!cluster)
        {
            await UntilJitQuietAsync(levels, concurrency => Http(bareTarget, concurrency, 5), concurrency => Http(actorTarget, concurrency, 5), options.Int("warmup-limit", 180));
        }

        // Each round measures bare and ActorOAuth back to back, in alternating order (this machine's speed drifts from
        // minute to minute: a ratio is only taken within one round, and a target is judged on the worst round).
        var results = new List<Level>();
        foreach (var concurrency in levels)
        {
            for (var round = 1; round <= rounds; round++)
            {
                // One slice (the default) is one run per target, of the whole settle and measured time.
                Report.Step($"concurrency {concurrency}{Of(round)}: bare and {(control ? "bare again (control)" : "ActorOAuth")}" +
                    (slices > 1 ? $" in {slices} alternating slices each" : ""));
                var (sliceSettle, sliceSeconds) = slices > 1 ? (Math.Max(1, settle / slices), Math.Max(1, seconds / slices)) : (settle, seconds);
                Task<Measured> Slice(string target, (string Url, string Prefix) to, bool inProcess) =>
                    targets.Contains(target) ? Settled(target == "bare" ? "bare" : control ? "bare again" : "ActorOAuth", to, concurrency, inProcess, sliceSettle, sliceSeconds) : Task.FromResult(Measured.None);
                var (bareResult, actor) = await Interleaved.MeasureAsync(slices, aStarts: round % 2 == 1,
                    () => Slice("bare", bareTarget, true), () => Slice("actor", actorTarget, !cluster));

                results.Add(new Level(concurrency, round, actor, bareResult, Measured.None, Measured.None));
            }
        }

        // The database baselines last, once every round of bare and ActorOAuth is done: their load leaves work behind on
        // the server CPU (PostgreSQL's autovacuum and checkpoints, this process's Npgsql garbage) that fell on the next
        // concurrency's first round when they ran in between. Their ratios compare with ActorOAuth's first round.
        if (targets.Contains("db") || targets.Contains("pg"))
        {
            await PgLoad.CreateTableAsync(postgres.ConnectionString, count, System.Text.Encoding.UTF8.GetString(body), cancellationToken);
            Report.Step($"warming up the database baselines ({warmup} s each)");
            await Http(databaseTarget, 64, warmup);
            await Pg(64, warmup);
            foreach (var concurrency in levels)
            {
                Report.Step($"concurrency {concurrency}: database per fetch (HTTP + Npgsql primary-key read)");
                var db = targets.Contains("db") ? await OrNoneAsync(() => Settled("database per fetch", databaseTarget, concurrency, inProcess: true, settle, seconds)) : Measured.None;
                Report.Step($"concurrency {concurrency}: PostgreSQL point read (Npgsql client on the load CPU)");
                var pg = targets.Contains("pg") ? await OrNoneAsync(() => Measure.WithCpuAsync(() => Pg(concurrency, seconds))) : Measured.None;
                var first = results.FindIndex(l => l.Concurrency == concurrency && l.Round == 1);
                results[first] = results[first] with { Database = db, Postgres = pg };
            }
        }

        Print(results, count, body.Length, cluster, seconds, handout, rounds, settle, slices, control);
    }

    /// <summary>
    /// Warms both targets up further, 5 s each at every concurrency in turn, until one such turn made the JIT compile at
    /// most <see cref="QuietMethods"/> methods, or <paramref name="limitSeconds"/> have passed. On the one CPU the server
    /// runs on, the runtime's tiering (hot methods compiled again, optimized) competes with the requests and was still
    /// compiling a hundred methods per 5 s slice minutes into a run: whichever target was measured meanwhile paid for it.
    /// </summary>
    private static async Task UntilJitQuietAsync(IReadOnlyList<int> levels, Func<int, Task<LoadResult>> bare, Func<int, Task<LoadResult>> actor, int limitSeconds)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        while (true)
        {
            var turn = System.Runtime.JitInfo.GetCompiledMethodCount();
            foreach (var concurrency in levels)
            {
                await bare(concurrency);
                await actor(concurrency);
            }

            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - turn;
            if (compiled <= QuietMethods || started.Elapsed.TotalSeconds >= limitSeconds)
            {
                Report.Step($"warmed up until the JIT was quiet: {started.Elapsed.TotalSeconds:F0} s more, {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} methods compiled " +
                    $"({(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:F0} ms), {compiled} in the last turn" + (compiled <= QuietMethods ? "" : " (the limit was reached)"));
                return;
            }
        }
    }

    /// <summary>How many methods a warm-up turn of both targets may compile and still count as quiet.</summary>
    private const int QuietMethods = 10;

    /// <summary>A baseline that fails (its process exits non-zero) is reported as missing instead of ending the run.</summary>
    private static async Task<Measured> OrNoneAsync(Func<Task<Measured>> measure)
    {
        try
        {
            return await measure();
        }
        catch (InvalidOperationException e)
        {
            Report.Step("  failed: " + e.Message.Split('\n')[0]);
            return Measured.None;
        }
    }

    private static async Task<byte[]> SampleBodyAsync(string target, BenchConnection connection)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{target}/api/connections/{connection.Id}/token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", connection.ApiKey);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static void Print(List<Level> levels, int count, int bodyBytes, bool cluster, int seconds, bool handout, int rounds, int settle, int slices, bool control)
    {
        string Name(Level l) => l.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture) + (rounds > 1 ? $" (round {l.Round})" : "");
        static string[] Row(string level, string name, Measured m) =>
        [
            level, name, Report.N(m.Load.Rps), Report.Ms(m.Load.P50Us), Report.Ms(m.Load.P99Us),
            Report.Ms(m.Load.P999Us), Report.N(m.Load.Errors), Report.Pct(m.ServerCpu), Report.Pct(m.LoadCpu),
            double.IsNaN(m.AllocatedPerRequest) ? "" : Report.N(m.AllocatedPerRequest), double.IsNaN(m.CpuPerRequestUs) ? "" : Report.N(m.CpuPerRequestUs, 1),
            double.IsNaN(m.Gen0Collections) ? "" : $"{Report.N(m.Gen0Collections)} / {Report.N(m.Gen1Collections)} / {Report.N(m.Gen2Collections)}", double.IsNaN(m.GcPausePercent) ? "" : Report.N(m.GcPausePercent, 1) + " %",
            Report.Pct(m.ForeignCpu),
        ];
        var per = slices > 1 ? $"{seconds} s per run in {slices} slices alternating with the other target's" : $"{seconds} s per run";
        Report.Table($"Token fetch, {count:N0} connections, {bodyBytes}-byte body, {per} (latency in ms)",
            ["concurrency", "target", "req/s", "p50", "p99", "p99.9", "errors", "server CPU", "load CPU", "bytes allocated/req", "server CPU µs/req", "GCs gen0 / 1 / 2", "GC paused", "others' CPU"],
            levels.SelectMany(l => new[]
            {
                Row(Name(l), "(a) bare Kestrel", l.Bare),
                Row(Name(l), control ? "bare again (control)" : cluster ? "ActorOAuth (cluster)" : "ActorOAuth", l.ActorOAuth),
                Row(Name(l), "(b) database per fetch", l.Database),
                Row(Name(l), "(b) raw PK read*", l.Postgres),
            }.Where(row => l.Round == 1 || !row[1].StartsWith("(b)", StringComparison.Ordinal))));

        Console.WriteLine("* raw PK read: Npgsql on the load CPU, PostgreSQL alone on the server CPU (no HTTP): the database's own ceiling.");
        Console.WriteLine($"others' CPU: what processes not of this run and the hypervisor (steal) took meanwhile (% of a core); a run above {Measure.ForeignLimit} % is measured again, twice at most, and the least disturbed kept.");
        Console.WriteLine();
        Report.Table(cluster
                ? "Ratios (targets, cluster: ≥ 0.6× bare's req/s and p99 ≤ 2× bare's at concurrency 64 and 256)"
                : "Ratios (targets, embedded: ≥ 0.8× bare's req/s, p99 ≤ 1.5× and p99.9 ≤ 3× bare's, allocation within 1 KB of bare's, at every concurrency)",
            ["concurrency", "req/s vs bare", "p99 vs bare", "p99.9 vs bare", "allocated − bare's", "vs database per fetch", "vs raw PK read"],
            levels.Select(l => new[]
            {
                Name(l),
                Report.X(l.VsBare), Report.X(l.P99VsBare), Report.X(l.P999VsBare), Report.N(l.ExtraAllocated), Report.X(l.VsDatabase), Report.X(l.VsPostgres),
            }));

        var judged = cluster ? levels.Where(l => l.Concurrency >= 64).ToList() : levels;
        judged = judged.Count > 0 ? judged : levels;
        var worstBare = judged.Min(l => l.VsBare);
        var worstP99 = judged.Max(l => l.P99VsBare);
        var worstP999 = judged.Max(l => l.P999VsBare);
        var worstAllocated = judged.Max(l => double.IsNaN(l.ExtraAllocated) ? 0 : l.ExtraAllocated);
        var throughputMet = worstBare >= (cluster ? 0.6 : 0.8);
        var p99Met = worstP99 <= (cluster ? 2 : 1.5);
        var p999Met = cluster || worstP999 <= 3;
        var allocationMet = cluster || worstAllocated <= 1024;
        Console.WriteLine($"targets{(cluster ? " (c ≥ 64)" : "")}{(rounds > 1 ? $", worst of {rounds} rounds" : "")}: req/s ≥ {(cluster ? "0.6" : "0.8")}× bare: {Report.Check(throughputMet)} (lowest {Report.X(worstBare)}); " +
            $"p99 ≤ {(cluster ? "2" : "1.5")}× bare: {Report.Check(p99Met)} (highest {Report.X(worstP99)})" +
            (cluster ? "" : $"; p99.9 ≤ 3× bare: {Report.Check(p999Met)} (highest {Report.X(worstP999)}); allocation within 1 KB of bare's: {Report.Check(allocationMet)} (most {Report.N(worstAllocated)} bytes more)"));
        Console.WriteLine();
        Report.JsonLine(new
        {
            scenario = "token-fetch",
            date = Report.Started,
            mode = cluster ? "cluster" : "embedded",
            connections = count,
            bodyBytes,
            secondsPerRun = seconds,
            settleSeconds = settle,
            rounds,
            slices,
            control,
            // Per concurrency, the round with the lowest req/s ratio (the baselines of round 1 beside it); every round's ratios in roundRatios.
            levels = Worst(levels).Select(l => new
            {
                concurrency = l.Concurrency,
                actorOAuth = Json(l.ActorOAuth),
                bare = Json(l.Bare),
                databasePerFetch = Json(l.Database),
                rawPkRead = Json(l.Postgres),
                vsBare = Report.Round(l.VsBare),
                vsDatabasePerFetch = Report.Round(l.VsDatabase),
                vsRawPkRead = Report.Round(l.VsPostgres),
                p99VsBare = Report.Round(l.P99VsBare),
                p999VsBare = Report.Round(l.P999VsBare),
            }),
            roundRatios = levels.Select(l => new
            {
                concurrency = l.Concurrency,
                round = l.Round,
                vsBare = Report.Round(l.VsBare),
                p99VsBare = Report.Round(l.P99VsBare),
                p999VsBare = Report.Round(l.P999VsBare),
                extraAllocatedBytes = double.IsNaN(l.ExtraAllocated) ? (double?)null : Report.Round(l.ExtraAllocated, 0),
            }),
            handout,
            targetsMet = new { vsBare = throughputMet, p99 = p99Met, p999 = p999Met, allocation = allocationMet },
        });
    }

    private static IEnumerable<Level> Worst(List<Level> levels) =>
        levels.GroupBy(l => l.Concurrency).Select(g =>
        {
            var first = g.First(l => l.Round == 1);
            return g.MinBy(l => l.VsBare)! with { Database = first.Database, Postgres = first.Postgres };
        });

    private static object Json(Measured m) => new
    {
        rps = Report.Round(m.Load.Rps, 0),
        p50Ms = Report.Round(m.Load.P50Us / 1000, 3),
        p99Ms = Report.Round(m.Load.P99Us / 1000, 3),
        p999Ms = Report.Round(m.Load.P999Us / 1000, 3),
        errors = m.Load.Errors,
        serverCpu = Report.Round(m.ServerCpu, 0),
        loadCpu = Report.Round(m.LoadCpu, 0),
        allocatedBytesPerRequest = double.IsNaN(m.AllocatedPerRequest) ? (double?)null : Report.Round(m.AllocatedPerRequest, 0),
        cpuUsPerRequest = double.IsNaN(m.CpuPerRequestUs) ? (double?)null : Report.Round(m.CpuPerRequestUs, 1),
        gen0Collections = double.IsNaN(m.Gen0Collections) ? (double?)null : m.Gen0Collections,
        gen1Collections = double.IsNaN(m.Gen1Collections) ? (double?)null : m.Gen1Collections,
        gen2Collections = double.IsNaN(m.Gen2Collections) ? (double?)null : m.Gen2Collections,
        gcPausePercent = double.IsNaN(m.GcPausePercent) ? (double?)null : Report.Round(m.GcPausePercent, 2),
        othersCpu = Report.Round(m.ForeignCpu, 0),
    };

    private sealed record Level(int Concurrency, int Round, Measured ActorOAuth, Measured Bare, Measured Database, Measured Postgres)
    {
        public double VsBare => ActorOAuth.Load.Rps / Bare.Load.Rps;

        public double VsDatabase => ActorOAuth.Load.Rps / Database.Load.Rps;

        public double VsPostgres => ActorOAuth.Load.Rps / Postgres.Load.Rps;

        public double P99VsBare => ActorOAuth.Load.P99Us / Bare.Load.P99Us;

        public double P999VsBare => ActorOAuth.Load.P999Us / Bare.Load.P999Us;

        public double ExtraAllocated => ActorOAuth.AllocatedPerRequest - Bare.AllocatedPerRequest;
    }
}
