using System.Diagnostics;
using System.Globalization;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>refresh-storm</c>: connections whose first tokens (from the provider stand-in) live 120–180 s, so they all
/// come due within the same minute; refreshed tokens live 120 s. Real time, default refresh policy, the grains'
/// own reminders. Runs until every connection has refreshed twice, while a light stream of token fetches checks
/// that no expired token is ever handed out. The provider counts every call and flags a refresh that arrives after
/// the access token it replaces expired, and any second call for the same due time (a rotated refresh token).
/// </summary>
internal static class RefreshStorm
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        var count = options.Int("connections", 20_000);
        var perTenant = options.Int("per-tenant", 100);
        var initial = options.String("initial-lifetime", "120-180");
        var refreshLifetime = options.Int("refresh-lifetime", 120);
        var fetchRate = options.Int("fetch-rate", 200);
        var timeout = TimeSpan.FromSeconds(options.Int("timeout", 900));
        var fleet = new Fleet(count, perTenant);
        Report.Header("refresh-storm", $"{count:N0} connections, first tokens live {initial} s, refreshed ones {refreshLifetime} s; " +
            $"default refresh policy (lead min(5 min, 20 %) ± 10 %), real time; {fetchRate} token fetches/s alongside");

        await using var provider = await ProviderProcess.StartAsync(initial, refreshLifetime);
        await using var host = await ApiHost.StartAsync(fleet.ApiKeys);
        Report.Step($"connecting {count:N0} connections");
        var seeded = await fleet.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: true, concurrency: 64, cancellationToken);
        Report.Step($"connected in {seeded.TotalSeconds:F1} s; waiting until every connection has refreshed twice");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Sampler.Run(stop.Token);
        var fetcher = new Fetcher(fleet, host.Grains);
        var fetching = fetcher.RunAsync(fetchRate, stop.Token);
        var clock = Stopwatch.StartNew();
        ProviderStats stats;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            stats = await provider.StatsAsync(cancellationToken);
            Console.Error.WriteLine($"  {clock.Elapsed:mm\\:ss}  refreshed once {stats.RefreshedAtLeast[1],6:N0}  twice {stats.RefreshedAtLeast[2],6:N0}  " +
                $"calls {stats.RefreshCalls,6:N0}  late {stats.Late}  stale {stats.Stale}  fetches {fetcher.Fetches:N0}  served expired {fetcher.ServedExpired}");
            if (stats.RefreshedAtLeast[2] >= count || clock.Elapsed > timeout)
            {
                break;
            }
        }

        await stop.CancelAsync();
        await fetching;
        var samples = await sampler;

        var complete = stats.RefreshedAtLeast[2] >= count;
        var meanRate = stats.PerSecond.Count == 0 ? 0 : stats.Refreshes / (double)stats.PerSecond.Count;
        var peakRate = stats.PerSecond.Count == 0 ? 0 : stats.PerSecond.Values.Max();
        var callsPerDue = stats.Refreshes == 0 ? 0 : (double)stats.RefreshCalls / stats.Refreshes;
        var misses = stats.Late + fetcher.ServedExpired + fetcher.Unavailable;
        var peakCpu = samples.Count == 0 ? 0 : samples.Max(s => s.Cpu);
        var peakRss = samples.Count == 0 ? 0 : samples.Max(s => s.Rss);
        var peakHeap = samples.Count == 0 ? 0 : samples.Max(s => s.Heap);

        Report.Table($"Refresh storm, {count:N0} connections, until each refreshed twice ({(complete ? "done" : "TIMED OUT")} after {clock.Elapsed.TotalSeconds:F0} s)",
            ["measure", "value", "target"],
            [
                ["refreshes (provider-counted successes)", Report.N(stats.Refreshes), $"{2 * count:N0}"],
                ["refresh calls at the provider", Report.N(stats.RefreshCalls), ""],
                ["refreshes/s, mean over the seconds with refreshes", Report.N(meanRate, 1), ""],
                ["refreshes/s, peak second", Report.N(peakRate), ""],
                ["provider calls per connection per due time", callsPerDue.ToString("F4", CultureInfo.InvariantCulture), "1.0"],
                ["second calls for a served due time (rotated token)", Report.N(stats.Stale), "0"],
                ["refresh after the token expired", Report.N(stats.Late), "0"],
                ["least time left on a token when its refresh arrived", $"{stats.MinMarginMs / 1000.0:F1} s", "> 0"],
                ["token fetches during the storm", Report.N(fetcher.Fetches), ""],
                ["expired token served by a fetch", Report.N(fetcher.ServedExpired), "0"],
                ["fetch answered 503 (expired, retrying)", Report.N(fetcher.Unavailable), "0"],
                ["other fetch errors", Report.N(fetcher.Errors), "0"],
                ["deadline misses (sum of the three above them)", Report.N(misses), "0"],
                ["peak CPU of the server process (1 s samples, % of one core)", Report.Pct(peakCpu), ""],
                ["peak RSS", Report.Mb(peakRss), ""],
                ["peak managed heap", Report.Mb(peakHeap), ""],
            ]);
        var met = complete && misses == 0 && stats.Stale == 0 && stats.RefreshCalls == stats.Refreshes;
        Console.WriteLine($"targets: 0 deadline misses and exactly 1.0 provider calls per due time: {Report.Check(met)}");
        Console.WriteLine();
        Report.JsonLine(new
        {
            scenario = "refresh-storm",
            date = Report.Started,
            connections = count,
            initialLifetimeSeconds = initial,
            refreshLifetimeSeconds = refreshLifetime,
            complete,
            seconds = Report.Round(clock.Elapsed.TotalSeconds, 0),
            refreshes = stats.Refreshes,
            refreshCalls = stats.RefreshCalls,
            meanRefreshesPerSecond = Report.Round(meanRate, 1),
            peakRefreshesPerSecond = peakRate,
            callsPerDueTime = Report.Round(callsPerDue, 4),
            staleCalls = stats.Stale,
            lateRefreshes = stats.Late,
            minMarginSeconds = Report.Round(stats.MinMarginMs / 1000.0, 1),
            fetches = fetcher.Fetches,
            servedExpired = fetcher.ServedExpired,
            unavailable = fetcher.Unavailable,
            fetchErrors = fetcher.Errors,
            deadlineMisses = misses,
            peakCpuPercent = Report.Round(peakCpu, 0),
            peakRssBytes = peakRss,
            peakHeapBytes = peakHeap,
            targetMet = met,
        });
    }

    /// <summary>Token fetches at a steady rate on random connections, checking each token against its own expiry.</summary>
    private sealed class Fetcher(Fleet fleet, IGrainFactory grains)
    {
        private long _fetches;
        private long _servedExpired;
        private long _unavailable;
        private long _errors;

        public long Fetches => Interlocked.Read(ref _fetches);

        public long ServedExpired => Interlocked.Read(ref _servedExpired);

        public long Unavailable => Interlocked.Read(ref _unavailable);

        public long Errors => Interlocked.Read(ref _errors);

        public async Task RunAsync(int perSecond, CancellationToken cancellationToken)
        {
            if (perSecond <= 0)
            {
                return;
            }

            var inFlight = new List<Task>();
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await tick.WaitForNextTickAsync(cancellationToken))
                {
                    inFlight.RemoveAll(t => t.IsCompleted);
                    for (var i = 0; i < Math.Max(1, perSecond / 10); i++)
                    {
                        inFlight.Add(FetchOneAsync(fleet.Connections[Random.Shared.Next(fleet.Connections.Count)]));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(inFlight);
        }

        private async Task FetchOneAsync(BenchConnection connection)
        {
            try
            {
                var token = await grains.GetGrain<IConnectionGrain>(connection.GrainKey).GetAccessToken(false);
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                // at.{connection}.{generation}.{expiresUnixMs}.{random}: the provider's own expiry, stricter than the grain's.
                var parts = token.AccessToken.Split('.');
                if (parts.Length != 5 || !long.TryParse(parts[3], CultureInfo.InvariantCulture, out var expires) || now >= expires
                    || token.ExpiresAt is not { } grainExpiry || grainExpiry.ToUnixTimeMilliseconds() <= now)
                {
                    Interlocked.Increment(ref _servedExpired);
                }
            }
            catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.Unavailable)
            {
                Interlocked.Increment(ref _unavailable);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _errors);
            }
            finally
            {
                Interlocked.Increment(ref _fetches);
            }
        }
    }
}

/// <summary>Once a second: this process's CPU (% of one core), RSS and managed heap.</summary>
internal static class Sampler
{
    public static async Task<List<(double Cpu, long Rss, long Heap)>> Run(CancellationToken cancellationToken)
    {
        var samples = new List<(double, long, long)>();
        using var process = Process.GetCurrentProcess();
        var lastCpu = process.TotalProcessorTime;
        var lastWall = Stopwatch.GetTimestamp();
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.GetElapsedTime(lastWall);
                samples.Add((100 * (cpu - lastCpu).TotalSeconds / wall.TotalSeconds, Machine.Rss(), GC.GetTotalMemory(false)));
                lastCpu = cpu;
                lastWall = Stopwatch.GetTimestamp();
            }
        }
        catch (OperationCanceledException)
        {
        }

        return samples;
    }
}
