using ActorOAuth.Abstractions;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

/// <summary>Its own three silos, since the test kills one.</summary>
public sealed class WebhookKillFixture : ThreeSiloFixture;

public sealed class WebhookFailoverTests(WebhookKillFixture fixture) : IClassFixture<WebhookKillFixture>
{
    [Fact]
    public async Task A_killed_silo_loses_none_of_the_events_waiting_in_its_webhooks_grain_or_in_its_connections_outboxes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.DefaultStatus = 503;
        var primary = fixture.Cluster.Silos[0].SiloAddress;

        // A tenant whose webhooks grain lives on a silo that holds neither the test cluster's membership table (the
        // primary) nor its in-memory reminder table (one grain, which a real cluster keeps in PostgreSQL): that silo is
        // the one to kill.
        await fixture.ConnectAsync(ConnectionKeys.For("failover", "first-reminder"));
        var reminderTable = (await fixture.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Single(g => g.GrainType.Contains("ReminderTable", StringComparison.Ordinal)).SiloAddress;
        string tenant;
        SiloAddress? host;
        var n = 0;
        do
        {
            tenant = $"failover-{++n}";
            await fixture.Grains.GetGrain<ITenantWebhooksGrain>(tenant).Put("w", receiver.Url, null);
            host = HostOf(fixture.Grains.GetGrain<ITenantWebhooksGrain>(tenant));
        }
        while (host is null || host.Equals(primary) || host.Equals(reminderTable));

        // Waiting in the webhooks grain: accepted, stored, every attempt so far answered 503.
        var waiting = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await fixture.ConnectAsync(ConnectionKeys.For(tenant, $"waiting-{i}"));
        }

        await ClusterWithSandbox.Eventually(() => Task.FromResult(receiver.Received.Select(r => r.Id).Distinct().Count() == 4), because: "the first attempts fail");
        waiting.AddRange(receiver.Received.Select(r => r.Id).Distinct());

        // Waiting in connections' outboxes: the webhooks grain cannot store them, so they stay in the connections' rows,
        // at least one of them on the silo to be killed.
        var outboxed = new List<string>();
        fixture.Storage.FailWrites("tenant-webhooks");
        var onVictim = 0;
        for (var i = 0; i < 30 && (onVictim == 0 || i < 4); i++)
        {
            var key = ConnectionKeys.For(tenant, $"outboxed-{i}");
            var grain = await fixture.ConnectAsync(key);
            outboxed.Add(Assert.Single((await fixture.ReadStateAsync(key)).Outbox).Id);
            onVictim += host.Equals(HostOf(grain)) ? 1 : 0;
        }

        Assert.True(onVictim > 0, "a connection with events in its outbox lives on the silo to be killed");
        var victim = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await fixture.Cluster.KillSiloAsync(victim).WaitAsync(TimeSpan.FromSeconds(30));
        fixture.Storage.RestoreWrites("tenant-webhooks");
        var answeringSince = receiver.Received.Count;
        receiver.DefaultStatus = 200;

        var expected = waiting.Concat(outboxed).ToHashSet();
        try
        {
            await fixture.WhileTimePasses(() =>
                Task.FromResult(expected.IsSubsetOf(receiver.Received.Skip(answeringSince).Select(r => r.Id))),
                TimeSpan.FromSeconds(120), "every event is delivered by the surviving silos", step: TimeSpan.FromSeconds(1));
        }
        catch (TimeoutException)
        {
            var got = receiver.Received.Skip(answeringSince).Select(r => r.Id).ToHashSet();
            Assert.Fail($"missing: {waiting.Count(i => !got.Contains(i))} of {waiting.Count} waiting in the webhooks grain, " +
                $"{outboxed.Count(i => !got.Contains(i))} of {outboxed.Count} in outboxes ({onVictim} on the killed silo)");
        }

        Assert.Equal(4 + outboxed.Count, expected.Count);
        IReadOnlyList<WebhookDeliveryView> log = [];
        await ClusterWithSandbox.Eventually(async () =>
        {
            log = (await fixture.Grains.GetGrain<ITenantWebhooksGrain>(tenant).Deliveries("w", 200).WaitAsync(TimeSpan.FromSeconds(30)))!;
            return log.All(d => d.Status == WebhookDeliveryStatus.Delivered);
        }, because: "the delivery log records every delivery");
        Assert.Equal(expected.Order(), log.Select(d => d.EventId).Order());
    }

    private SiloAddress? HostOf(IAddressable grain) =>
        fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) ? context!.Address.SiloAddress : null;
}
