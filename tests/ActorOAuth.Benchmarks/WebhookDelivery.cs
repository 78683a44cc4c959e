using System.Diagnostics;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>webhooks</c>: delivery throughput and lag. Connected connections spread over tenants, each tenant with one webhook
/// (<c>connection.errored</c>) pointing at the receiver in the provider helper (load core); then every connection
/// reports an error at once (64 at a time, on the grains): each change writes its event with it, the connection hands
/// it to its tenant's webhooks grain, which stores it and POSTs it, signed. Measured: how fast the events are made, how
/// fast they arrive, and each one's lag from the change to its first arrival.
/// </summary>
internal static class WebhookDelivery
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        var events = options.Int("events", 10_000);
        var tenants = options.Int("tenants", 100);
        var concurrency = options.Int("concurrency", 64);
        var fleet = new Fleet(events, Math.Max(1, events / tenants), tenantPrefix: "w");
        Report.Header("webhooks", $"{events:N0} events from {events:N0} connections in {fleet.ApiKeys.Count():N0} tenants, one webhook each; embedded (API + co-hosted silo, in-memory storage)");

        await using var provider = await ProviderProcess.StartAsync();
        await using var host = await ApiHost.StartAsync(fleet.ApiKeys);
        Report.Step($"seeding {events:N0} connected connections on the grains");
        await fleet.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: true, concurrency: 64, cancellationToken);
        foreach (var tenant in fleet.Connections.Select(c => c.Tenant).Distinct())
        {
            await host.Grains.GetGrain<ITenantWebhooksGrain>(tenant).Put("bench", $"{provider.Url}/hooks/{tenant}", [WebhookEventTypes.Errored]);
        }

        Report.Step($"{events:N0} error reports, {concurrency} at a time");
        var cpu = Machine.CpuTimes();
        var clock = Stopwatch.StartNew();
        var startedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Parallel.ForEachAsync(fleet.Connections, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (c, _) => await host.Grains.GetGrain<IConnectionGrain>(c.GrainKey).ReportError("http_401", "benchmark"));
        var produced = clock.Elapsed;

        WebhookSinkStats stats;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while ((stats = await provider.HooksStatsAsync(cancellationToken)).Distinct < events && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }

        var delivered = clock.Elapsed;
        var busy = Machine.Busy(cpu, Machine.CpuTimes());
        var window = TimeSpan.FromMilliseconds(stats.LastMs - startedMs);
        var deliveredPerSecond = stats.Distinct / window.TotalSeconds;
        var producedPerSecond = events / produced.TotalSeconds;
        var attempts = 0;
        var delivering = 0;
        foreach (var tenant in fleet.Connections.Select(c => c.Tenant).Distinct())
        {
            var log = await host.Grains.GetGrain<ITenantWebhooksGrain>(tenant).Deliveries("bench", 200);
            attempts += log!.Sum(d => d.Attempts);
            delivering += log!.Count(d => d.Status != WebhookDeliveryStatus.Delivered);
        }

        Report.Table($"Webhook delivery, {events:N0} events in {fleet.ApiKeys.Count():N0} tenants (one receiver on the load core, answering 200)",
            ["measure", "value"],
            [
                ["events made (error reports acknowledged) / s", Report.N(producedPerSecond)],
                ["events delivered (first arrivals) / s, first report to last arrival", Report.N(deliveredPerSecond)],
                ["all delivered after", $"{window.TotalSeconds:F1} s"],
                ["lag, change to first arrival: p50 / p99 / max", $"{stats.LagP50Ms:F0} / {stats.LagP99Ms:F0} / {stats.LagMaxMs:F0} ms"],
                ["events delivered / lost / arrived twice", $"{stats.Distinct:N0} / {events - stats.Distinct:N0} / {stats.Duplicates:N0}"],
                ["attempts per event (delivery log) / not delivered per the log", $"{(double)attempts / events:F3} / {delivering:N0}"],
                ["server CPU (CPU 1) while making and delivering", Report.Pct(busy.GetValueOrDefault(Machine.ServerCore))],
                ["load CPU (receiver, CPU 0)", Report.Pct(busy.GetValueOrDefault(Machine.LoadCore))],
            ]);
        Console.WriteLine($"made in {produced.TotalSeconds:F1} s; last arrival {delivered.TotalSeconds:F1} s after the first report (polled).");
        Report.JsonLine(new
        {
            scenario = "webhooks",
            date = Report.Started,
            events,
            tenants = fleet.ApiKeys.Count(),
            producedPerSecond = Report.Round(producedPerSecond, 0),
            deliveredPerSecond = Report.Round(deliveredPerSecond, 0),
            allDeliveredSeconds = Report.Round(window.TotalSeconds, 1),
            lagP50Ms = stats.LagP50Ms,
            lagP99Ms = stats.LagP99Ms,
            lagMaxMs = stats.LagMaxMs,
            delivered = stats.Distinct,
            lost = events - stats.Distinct,
            duplicates = stats.Duplicates,
            attemptsPerEvent = Report.Round((double)attempts / events, 3),
            serverCpu = Report.Round(busy.GetValueOrDefault(Machine.ServerCore), 0),
            loadCpu = Report.Round(busy.GetValueOrDefault(Machine.LoadCore), 0),
        });
    }
}
