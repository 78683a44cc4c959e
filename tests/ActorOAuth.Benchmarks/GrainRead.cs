using System.Diagnostics;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>grain-read</c>: token reads straight on the grain, in process (the embedded silo), no HTTP: concurrent callers
/// in this process each await <c>GetAccessToken(false)</c> on a random connection, closed loop. Callers and silo share
/// the server CPU.
/// </summary>
internal static class GrainRead
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        var count = options.Int("connections", 10_000);
        var perTenant = options.Int("per-tenant", 100);
        var seconds = options.Int("duration", 10);
        var levels = options.Ints("concurrency", [16, 64, 256]);
        var fleet = new Fleet(count, perTenant);
        Report.Header("grain-read", $"{count:N0} connected connections, embedded silo, in-process callers; {seconds} s per run, concurrency {string.Join('/', levels)}");

        await using var provider = await ProviderProcess.StartAsync();
        await using var host = await ApiHost.StartAsync(fleet.ApiKeys);
        Report.Step($"seeding {count:N0} connected connections");
        await fleet.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: true, concurrency: 64, cancellationToken);
        await fleet.FetchAllAsync(host.Grains, 64, cancellationToken);
        var grains = fleet.Connections.Select(c => host.Grains.GetGrain<IConnectionGrain>(c.GrainKey)).ToArray();

        Report.Step("warming up (15 s)");
        await ReadAsync(grains, 64, TimeSpan.FromSeconds(15), cancellationToken);
        var rows = new List<(int Concurrency, double Rate, double Cpu, double MeanUs, double Allocated, double Foreign)>();
        foreach (var concurrency in levels)
        {
            Report.Step($"concurrency {concurrency}");
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var foreignBefore = Machine.ForeignTicks();
            var allocated = GC.GetTotalAllocatedBytes(precise: false);
            var (reads, elapsed) = await ReadAsync(grains, concurrency, TimeSpan.FromSeconds(seconds), cancellationToken);
            var perRead = (GC.GetTotalAllocatedBytes(precise: false) - allocated) / (double)Math.Max(1, reads);
            var cpu = 100 * (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / elapsed.TotalSeconds;
            var foreign = (Machine.ForeignTicks() - foreignBefore) / elapsed.TotalSeconds;
            var rate = reads / elapsed.TotalSeconds;
            rows.Add((concurrency, rate, cpu, concurrency / rate * 1e6, perRead, foreign));
        }

        Report.Table($"Grain reads (GetAccessToken on a random connection of {count:N0}), {seconds} s per run",
            ["concurrency", "reads/s", "mean latency µs", "CPU (% of a core)", "bytes allocated/read", "others' CPU"],
            rows.Select(r => new[]
            {
                r.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), Report.N(r.Rate), Report.N(r.MeanUs, 1), Report.Pct(r.Cpu), Report.N(r.Allocated),
                Report.Pct(r.Foreign),
            }));
        var best = rows.Max(r => r.Rate);
        Console.WriteLine($"target: ≥ 200,000 reads/s: {Report.Check(best >= 200_000)} (best {Report.N(best)})");
        Console.WriteLine();
        Report.JsonLine(new
        {
            scenario = "grain-read",
            date = Report.Started,
            connections = count,
            secondsPerRun = seconds,
            pinned = Machine.Pinned,
            levels = rows.Select(r => new
            {
                concurrency = r.Concurrency, readsPerSecond = Report.Round(r.Rate, 0), cpu = Report.Round(r.Cpu, 0), allocatedBytesPerRead = Report.Round(r.Allocated, 0),
                othersCpu = Report.Round(r.Foreign, 0),
            }),
            bestReadsPerSecond = Report.Round(best, 0),
            targetMet = best >= 200_000,
        });
    }

    private static async Task<(long Reads, TimeSpan Elapsed)> ReadAsync(IConnectionGrain[] grains, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var reads = 0L;
        var stop = false;
        var timer = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var mine = 0L;
            while (!Volatile.Read(ref stop))
            {
                var token = await grains[random.Next(grains.Length)].GetAccessToken(false);
                if (token.AccessToken.Length == 0)
                {
                    throw new InvalidOperationException("empty token");
                }

                mine++;
            }

            Interlocked.Add(ref reads, mine);
        }, cancellationToken)).ToArray();
        await Task.Delay(duration, cancellationToken);
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);
        return (reads, timer.Elapsed);
    }
}
