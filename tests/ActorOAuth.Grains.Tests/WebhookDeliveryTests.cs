using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Webhooks;
using ActorOAuth.Testing;
using StandardWebhooks;

namespace ActorOAuth.Grains.Tests;

/// <summary>Delivery from the tenant's webhooks grain to a real receiver on loopback, on simulated time.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookDeliveryTests(ClusterFixture fixture) : IAsyncLifetime
{
    private static int _next;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string NewTenant() => $"hooks-{Interlocked.Increment(ref _next)}";

    private ITenantWebhooksGrain Webhooks(string tenant) => fixture.Grains.GetGrain<ITenantWebhooksGrain>(tenant);

    private OutboxEvent Event(string type = WebhookEventTypes.Errored) => new(
        $"evt_test{Interlocked.Increment(ref _next)}", type, fixture.Time.GetUtcNow(), ConnectionStatus.Errored, "sandbox", null,
        new Dictionary<string, string> { ["customer"] = "acme" }, new ConnectionError(fixture.Time.GetUtcNow(), "unauthorized", "401 from the API"));

    /// <summary>Whether one of the request's signatures is the Standard Webhooks library's own for this secret.</summary>
    internal static bool SignedWith(ReceivedWebhook received, string secret) =>
        received.Signature.Split(' ').Contains(new StandardWebhook(secret).Sign(received.Id, DateTimeOffset.FromUnixTimeSeconds(received.Timestamp), received.Body));

    private async Task<WebhookDeliveryView> Delivery(string tenant, string webhook = "w") => Assert.Single((await Webhooks(tenant).Deliveries(webhook, 10))!);

    [Fact]
    public async Task A_receiver_answering_500_then_200_gets_the_same_webhook_id_again_and_the_log_shows_both_attempts()
    {
        var tenant = NewTenant();
        await Webhooks(tenant).Put("w", _receiver.Url, null);
        _receiver.AnswerNext(500);
        var key = ConnectionKeys.For(tenant, "c1");

        await fixture.ConnectAsync(key);

        await ClusterWithSandbox.Eventually(async () => _receiver.Received.Count == 1 && (await Delivery(tenant)).Attempts == 1, because: "the first attempt comes at once");
        var first = await Delivery(tenant);
        Assert.Equal(WebhookDeliveryStatus.Pending, first.Status);
        Assert.Equal(500, first.LastStatusCode);
        Assert.Equal(first.LastAttemptAt + TimeSpan.FromSeconds(5), first.NextAttemptAt);

        fixture.Time.Advance(TimeSpan.FromSeconds(5));
        await ClusterWithSandbox.Eventually(async () => (await Delivery(tenant)).Status == WebhookDeliveryStatus.Delivered, because: "the retry 5 s later succeeds");

        var received = _receiver.Received;
        Assert.Equal(2, received.Count);
        Assert.Equal(received[0].Id, received[1].Id);
        Assert.Equal(received[0].Body, received[1].Body);
        Assert.Equal(received[0].Timestamp + 5, received[1].Timestamp);
        Assert.Equal(WebhookEventTypes.Authorized, received[0].Type);
        var delivered = await Delivery(tenant);
        Assert.Equal((received[0].Id, 2, 200), (delivered.EventId, delivered.Attempts, delivered.LastStatusCode));
        Assert.Equal("c1", delivered.ConnectionId);
        Assert.Null(delivered.NextAttemptAt);
    }

    [Fact]
    public async Task The_backoff_schedule_is_exact_and_gives_up_after_the_24_hour_window_with_a_failed_delivery()
    {
        var tenant = NewTenant();
        _receiver.DefaultStatus = 500;
        await Webhooks(tenant).Put("w", _receiver.Url, null);
        var acceptedAt = fixture.Time.GetUtcNow();

        await Webhooks(tenant).Accept("c1", [Event()]);

        // The schedule of the contract, by hand: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly, until an attempt at or
        // after 24 h fails: the first attempt and 29 retries, the last 24:42:35 after the first.
        var expected = new List<DateTimeOffset> { acceptedAt };
        TimeSpan[] steps = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];
        expected.AddRange(steps.Select((_, i) => acceptedAt + steps.Take(i + 1).Aggregate(TimeSpan.Zero, (a, b) => a + b)));
        while (expected[^1] - acceptedAt < TimeSpan.FromHours(24))
        {
            expected.Add(expected[^1] + TimeSpan.FromHours(1));
        }

        Assert.Equal(30, expected.Count);
        Assert.Equal(new TimeSpan(24, 42, 35), expected[^1] - acceptedAt);

        var attempts = new List<DateTimeOffset>();
        for (var n = 1; n <= expected.Count; n++)
        {
            var count = n;
            await ClusterWithSandbox.Eventually(async () => _receiver.Received.Count == count && (await Delivery(tenant)).Attempts == count,
                because: $"attempt {n} is made and recorded");
            var delivery = await Delivery(tenant);
            attempts.Add(delivery.LastAttemptAt!.Value);
            Assert.Equal(expected[n - 1], delivery.LastAttemptAt);
            if (n == expected.Count)
            {
                break;
            }

            Assert.Equal(WebhookDeliveryStatus.Pending, delivery.Status);
            Assert.Equal(expected[n], delivery.NextAttemptAt);
            // Up to a millisecond before it is due nothing happens; then the attempt is made on time.
            fixture.Time.Advance(expected[n] - fixture.Time.GetUtcNow() - TimeSpan.FromMilliseconds(1));
            Assert.Equal(count, (await Delivery(tenant)).Attempts);
            fixture.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var failed = await Delivery(tenant);
        Assert.Equal(WebhookDeliveryStatus.Failed, failed.Status);
        Assert.Equal((30, 500, "http_500"), (failed.Attempts, failed.LastStatusCode, failed.LastError));
        Assert.Null(failed.NextAttemptAt);
        Assert.Equal(expected, attempts);
        Assert.Single(_receiver.Received.Select(r => r.Id).Distinct());

        fixture.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(30, (await Delivery(tenant)).Attempts);
        Assert.Equal(30, _receiver.Received.Count);
    }

    [Fact]
    public async Task A_receivers_retry_after_makes_the_next_wait_longer_never_shorter()
    {
        var tenant = NewTenant();
        await Webhooks(tenant).Put("w", _receiver.Url, null);
        _receiver.AnswerNext(503, "120");

        await Webhooks(tenant).Accept("c1", [Event()]);

        await ClusterWithSandbox.Eventually(async () => (await Delivery(tenant)).Attempts == 1);
        var delivery = await Delivery(tenant);
        Assert.Equal(delivery.LastAttemptAt + TimeSpan.FromSeconds(120), delivery.NextAttemptAt);
        fixture.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(1, (await Delivery(tenant)).Attempts);
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        await ClusterWithSandbox.Eventually(async () => (await Delivery(tenant)).Status == WebhookDeliveryStatus.Delivered);
        Assert.Equal(2, _receiver.Received.Count);
    }

    [Fact]
    public async Task Every_delivery_is_signed_with_the_secret_and_a_rotated_secret_signs_too_for_24_hours()
    {
        var tenant = NewTenant();
        var created = await Webhooks(tenant).Put("w", _receiver.Url, null);
        var first = created.Secret!;
        Assert.StartsWith("whsec_", first);
        Assert.True(created.Created);

        await Webhooks(tenant).Accept("c1", [Event()]);
        await ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count == 1));
        Assert.True(SignedWith(_receiver.Received[0], first));
        Assert.DoesNotContain(' ', _receiver.Received[0].Signature);

        var rotated = await Webhooks(tenant).RotateSecret("w");
        var second = rotated!.Secret!;
        Assert.NotEqual(first, second);
        Assert.Equal(fixture.Time.GetUtcNow() + TimeSpan.FromHours(24), rotated.Webhook.PreviousSecretExpiresAt);
        Assert.Null((await Webhooks(tenant).Put("w", _receiver.Url, null)).Secret);

        await Webhooks(tenant).Accept("c1", [Event()]);
        await ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count == 2));
        Assert.True(SignedWith(_receiver.Received[1], second));
        Assert.True(SignedWith(_receiver.Received[1], first));

        fixture.Time.Advance(TimeSpan.FromHours(24));
        await Webhooks(tenant).Accept("c1", [Event()]);
        await ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count == 3));
        Assert.True(SignedWith(_receiver.Received[2], second));
        Assert.False(SignedWith(_receiver.Received[2], first));
        Assert.Null((await Webhooks(tenant).Get("w"))!.PreviousSecretExpiresAt);
    }

    [Fact]
    public async Task An_event_forwarded_twice_is_delivered_once_and_only_to_the_endpoints_that_want_its_type()
    {
        var tenant = NewTenant();
        await using var other = await WebhookReceiver.StartAsync();
        await Webhooks(tenant).Put("w", _receiver.Url, null);
        await Webhooks(tenant).Put("recoveries", other.Url, [WebhookEventTypes.Recovered]);
        var errored = Event();
        var recovered = Event(WebhookEventTypes.Recovered);

        await Webhooks(tenant).Accept("c1", [errored]);
        await Webhooks(tenant).Accept("c1", [errored, recovered]);

        await ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count == 2 && other.Received.Count == 1));
        Assert.Equal([errored.Id, recovered.Id], _receiver.Received.Select(r => r.Id).Order());
        Assert.Equal(recovered.Id, Assert.Single(other.Received).Id);
        Assert.Equal(2, (await Webhooks(tenant).Deliveries("w", 10))!.Count);
    }

    [Fact]
    public async Task A_webhook_url_the_provider_policy_refuses_is_refused_by_the_grain_too()
    {
        var refused = await Assert.ThrowsAsync<ConnectionProblemException>(() => Webhooks(NewTenant()).Put("w", "https://169.254.169.254/latest/meta-data", null));

        Assert.Equal(ConnectionProblemKind.Invalid, refused.Kind);
        Assert.Contains("cloud-metadata", refused.Message);
    }

    [Fact]
    public async Task A_deleted_webhook_gets_nothing_more_and_its_log_is_gone()
    {
        var tenant = NewTenant();
        await Webhooks(tenant).Put("w", _receiver.Url, null);
        _receiver.DefaultStatus = 500;
        await Webhooks(tenant).Accept("c1", [Event()]);
        await ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count == 1));

        Assert.True(await Webhooks(tenant).Delete("w"));

        fixture.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await Webhooks(tenant).Deliveries("w", 10));
        Assert.False(await Webhooks(tenant).Delete("w"));
        await Webhooks(tenant).Accept("c1", [Event()]);
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public void Delivery_options_out_of_range_stop_the_silo_with_the_key_named()
    {
        var result = new WebhookOptionsValidator().Validate(null, new WebhookOptions { AttemptTimeout = TimeSpan.FromMinutes(5), RetryDelays = [TimeSpan.Zero] });

        Assert.True(result.Failed);
        Assert.Contains("ActorOAuth:Webhooks:AttemptTimeout", result.FailureMessage);
        Assert.Contains("ActorOAuth:Webhooks:RetryDelays:0", result.FailureMessage);
    }
}
