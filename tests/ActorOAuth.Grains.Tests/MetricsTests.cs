using System.Diagnostics.Metrics;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Telemetry;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class MetricsTests(ClusterFixture fixture)
{
    private static int _next;

    [Fact]
    public async Task The_ActorOAuth_meter_counts_a_connect_a_refresh_a_refresh_failure_and_a_delivery()
    {
        using var metrics = new MetricsRecorder();
        // The active-connections gauge is the whole process's (other tests' connections deactivate meanwhile, so its
        // sum since this test began may be anything): what this test can see is that an activation was added to it.
        var activationsAdded = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ActorOAuthMetrics.MeterName && instrument.Name == "actoroauth.connections.active")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, delta, _, _) =>
        {
            if (delta > 0)
            {
                Interlocked.Increment(ref activationsAdded);
            }
        });
        listener.Start();
        await using var receiver = await WebhookReceiver.StartAsync();
        var provider = $"metrics-{Interlocked.Increment(ref _next)}";
        var tenant = "metrics-" + provider;
        await fixture.Grains.GetGrain<ITenantWebhooksGrain>(tenant).Put("w", receiver.Url, [WebhookEventTypes.Authorized]);
        var delivered = metrics.Sum("actoroauth.webhook.deliveries", ("outcome", "delivered"));
        var toConfigured = metrics.Sum("actoroauth.connection.status_changes", ("from", "pending"), ("to", "configured"));
        Assert.Equal(0, metrics.Sum("actoroauth.authorizations", ("provider", provider)));

        var key = ConnectionKeys.For(tenant, "c1");
        var grain = await fixture.ConnectAsync(key, fixture.SandboxSettings() with { Provider = provider });
        Assert.Equal(1, metrics.Sum("actoroauth.authorizations", ("provider", provider), ("outcome", "authorized")));
        Assert.Equal(1, metrics.Count("actoroauth.provider.call.duration", ("provider", provider), ("operation", "code_exchange")));
        Assert.True(metrics.Sum("actoroauth.connection.status_changes", ("from", "pending"), ("to", "configured")) > toConfigured);

        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        await grain.GetAccessToken(forceRefresh: true);
        Assert.Equal(1, metrics.Sum("actoroauth.refreshes", ("provider", provider), ("outcome", "succeeded")));
        Assert.Equal(1, metrics.Count("actoroauth.provider.call.duration", ("provider", provider), ("operation", "refresh")));

        fixture.ProviderCalls.FailRefreshes((await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!, 1);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        await grain.GetAccessToken(forceRefresh: true);
        Assert.Equal(1, metrics.Sum("actoroauth.refreshes", ("provider", provider), ("outcome", "failed"), ("error.code", "http_503"), ("terminal", false)));
        Assert.Equal(2, metrics.Count("actoroauth.provider.call.duration", ("provider", provider), ("operation", "refresh")));

        await ClusterWithSandbox.Eventually(() => Task.FromResult(metrics.Sum("actoroauth.webhook.deliveries", ("outcome", "delivered")) > delivered),
            because: "the authorized event's delivery is counted");
        Assert.Single(receiver.Received);
        Assert.True(metrics.Count("actoroauth.webhook.delivery.lag") > 0);
        Assert.True(Volatile.Read(ref activationsAdded) > 0);
    }
}
