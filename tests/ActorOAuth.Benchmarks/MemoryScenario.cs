using System.Runtime;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>memory</c>: what a connection costs in the embedded silo. Baseline: the silo after a warm-up fleet (JIT,
/// pools) has been connected and deactivated. Then 100,000 connections are connected and fetched once (active, state
/// in memory), then deactivated (only their reminder and their storage row remain — in the embedded default the row
/// is in this process's memory too). Each figure is after full, compacting, aggressive garbage collections.
/// </summary>
internal static class MemoryScenario
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        var count = options.Int("connections", 100_000);
        var perTenant = options.Int("per-tenant", 100);
        var fleet = new Fleet(count, perTenant);
        var warm = new Fleet(1_000, 1_000, offset: count, tenantPrefix: "w");
        Report.Header("memory", $"{count:N0} connections in {count / perTenant} tenants, embedded silo (in-memory storage and reminders)");

        await using var provider = await ProviderProcess.StartAsync();
        await using var host = await ApiHost.StartAsync(fleet.ApiKeys.Concat(warm.ApiKeys));
        var management = host.Grains.GetGrain<IManagementGrain>(0);

        Report.Step("warm-up: 1,000 connections connected, fetched and deactivated");
        await warm.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: true, concurrency: 64, cancellationToken);
        await warm.FetchAllAsync(host.Grains, 64, cancellationToken);
        await DeactivateAllAsync(management, cancellationToken);
        var baseline = await SnapshotAsync(management);

        Report.Step($"connecting {count:N0} connections");
        var seeded = await fleet.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: true, concurrency: 64, cancellationToken);
        Report.Step($"connected in {seeded.TotalSeconds:F1} s; fetching each token once");
        await fleet.FetchAllAsync(host.Grains, 64, cancellationToken);
        var active = await SnapshotAsync(management);
        if (options.Int("hold", 0) is > 0 and var hold)
        {
            // Time to take a heap snapshot of the active state: dotnet-gcdump collect -p <pid>.
            Report.Step($"holding {hold} s with every connection active (pid {Environment.ProcessId})");
            await Task.Delay(TimeSpan.FromSeconds(hold), cancellationToken);
        }

        Report.Step("deactivating every grain");
        await DeactivateAllAsync(management, cancellationToken);
        var deactivated = await SnapshotAsync(management);

        double Per(long after, long before) => (after - before) / (double)count;
        var heapActive = Per(active.Heap, baseline.Heap);
        var rssActive = Per(active.Rss, baseline.Rss);
        var heapInactive = Per(deactivated.Heap, baseline.Heap);
        var rssInactive = Per(deactivated.Rss, baseline.Rss);
        Report.Table($"Memory, {count:N0} connections (bytes; per connection = change from the baseline / {count:N0})",
            ["state", "activations", "managed heap", "RSS", "heap per connection", "RSS per connection"],
            [
                ["baseline (silo, warm, no active connection)", Report.N(baseline.Activations), Report.Mb(baseline.Heap), Report.Mb(baseline.Rss), "", ""],
                [$"{count:N0} active (connected, fetched once)", Report.N(active.Activations), Report.Mb(active.Heap), Report.Mb(active.Rss), Report.N(heapActive), Report.N(rssActive)],
                [$"{count:N0} deactivated (reminder + row)", Report.N(deactivated.Activations), Report.Mb(deactivated.Heap), Report.Mb(deactivated.Rss), Report.N(heapInactive), Report.N(rssInactive)],
            ]);
        var met = rssActive <= 8 * 1024 && heapActive <= 8 * 1024;
        Console.WriteLine($"target: ≤ 8 KB (8,192 bytes) per active connection beyond the baseline, heap and RSS: {Report.Check(met)} " +
            $"(heap {Report.N(heapActive)}, RSS {Report.N(rssActive)})");
        Console.WriteLine();
        Report.JsonLine(new
        {
            scenario = "memory",
            date = Report.Started,
            connections = count,
            baseline = new { heapBytes = baseline.Heap, rssBytes = baseline.Rss, activations = baseline.Activations },
            active = new { heapBytes = active.Heap, rssBytes = active.Rss, activations = active.Activations },
            deactivated = new { heapBytes = deactivated.Heap, rssBytes = deactivated.Rss, activations = deactivated.Activations },
            perActive = new { heapBytes = Report.Round(heapActive, 0), rssBytes = Report.Round(rssActive, 0) },
            perDeactivated = new { heapBytes = Report.Round(heapInactive, 0), rssBytes = Report.Round(rssInactive, 0) },
            targetMet = met,
        });
    }

    private static async Task DeactivateAllAsync(IManagementGrain management, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            if (await ConnectionActivationsAsync(management) == 0)
            {
                return;
            }
        }

        throw new InvalidOperationException("connection grains did not deactivate");
    }

    private static async Task<int> ConnectionActivationsAsync(IManagementGrain management) =>
        (await management.GetSimpleGrainStatistics()).Where(s => s.GrainType.Contains("ConnectionGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);

    private static async Task<(long Heap, long Rss, int Activations)> SnapshotAsync(IManagementGrain management)
    {
        await Task.Delay(TimeSpan.FromSeconds(3));
        for (var i = 0; i < 3; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return (GC.GetTotalMemory(false), Machine.Rss(), await ConnectionActivationsAsync(management));
    }
}
