using ActorOAuth.Abstractions;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

/// <summary>What connections publish: every event type, from the change that caused it, through the outbox to a receiver.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ConnectionEventTests(ClusterFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static int _next;
    private WebhookReceiver _receiver = null!;
    private WebhookReceiver _otherTenant = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _otherTenant = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _otherTenant.DisposeAsync();
    }

    private async Task<(string Tenant, string Secret)> RegisteredTenantAsync(WebhookReceiver receiver)
    {
        var tenant = $"events-{Interlocked.Increment(ref _next)}";
        var saved = await fixture.Grains.GetGrain<ITenantWebhooksGrain>(tenant).Put("w", receiver.Url, null);
        return (tenant, saved.Secret!);
    }

    private Task Received(int count, string because) =>
        ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count >= count), because: because);

    [Fact]
    public async Task Each_event_type_reaches_its_tenants_receiver_signed_and_without_a_token_code_or_secret()
    {
        var (tenant, secret) = await RegisteredTenantAsync(_receiver);
        await RegisteredTenantAsync(_otherTenant);
        var settings = fixture.SandboxSettings() with { Provider = "sandbox", Metadata = new Dictionary<string, string> { ["customer"] = "acme" } };
        var key = ConnectionKeys.For(tenant, "acme.sandbox");
        var secrets = new List<string> { secret, RunningSandbox.ClientSecret };

        // authorized; errored + recovered (a reported 401, one forced refresh fixes it)
        var grain = await fixture.ConnectAsync(key, settings);
        var connected = (await fixture.ReadStateAsync(key)).Tokens!;
        secrets.AddRange([connected.AccessToken, connected.RefreshToken!]);
        await grain.ReportError("unauthorized", "401 from the API");
        await grain.GetAccessToken(false);
        // errored + refresh_failed (terminal: the provider revoked the grant)
        var state = await fixture.ReadStateAsync(key);
        secrets.AddRange([state.Tokens!.AccessToken, state.Tokens.RefreshToken!]);
        await fixture.Sandbox.RevokeAsync(state.Tokens.RefreshToken!);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.GetAccessToken(forceRefresh: true).AsTask());
        // authorization_failed (denied at the provider), disconnected, deleted
        var denied = await ClusterFixture.ConsentAsync(grain, approve: false);
        Assert.False((await AuthorizationCallback.Complete(fixture.Grains, denied)).Succeeded);
        await grain.Delete();

        string[] types =
        [
            WebhookEventTypes.Authorized, WebhookEventTypes.Errored, WebhookEventTypes.Recovered, WebhookEventTypes.Errored,
            WebhookEventTypes.RefreshFailed, WebhookEventTypes.AuthorizationFailed, WebhookEventTypes.Disconnected, WebhookEventTypes.Deleted,
        ];
        await Received(types.Length, "every event arrives");
        var received = _receiver.Received.OrderBy(r => r.Json.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(types.Order(), received.Select(r => r.Type).Order());
        Assert.Equal(WebhookEventTypes.All.Order(), received.Select(r => r.Type).Distinct().Order());
        Assert.Equal(types.Length, received.Select(r => r.Id).Distinct().Count());
        foreach (var r in received)
        {
            Assert.True(WebhookDeliveryTests.SignedWith(r, secret), $"{r.Type} is signed");
            Assert.StartsWith("evt_", r.Id);
            Assert.Equal(r.Id, r.Json.GetProperty("id").GetString());
            Assert.Equal(tenant, r.Json.GetProperty("tenant").GetString());
            var connection = r.Json.GetProperty("connection");
            Assert.Equal("acme.sandbox", connection.GetProperty("id").GetString());
            Assert.Equal("sandbox", connection.GetProperty("provider").GetString());
            Assert.Equal("acme", connection.GetProperty("metadata").GetProperty("customer").GetString());
            foreach (var value in secrets.Concat(fixture.ProviderCalls.Calls.SelectMany(c => c.Fields.Values).Where(v => v.Length > 16)))
            {
                Assert.DoesNotContain(value, r.Body);
                Assert.DoesNotContain(value, string.Join('\n', r.Headers.Values));
            }
        }

        var refreshFailed = received.Single(r => r.Type == WebhookEventTypes.RefreshFailed).Json;
        Assert.Equal("invalid_grant", refreshFailed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("errored", refreshFailed.GetProperty("connection").GetProperty("status").GetString());
        var reported = received.First(r => r.Type == WebhookEventTypes.Errored).Json.GetProperty("error");
        Assert.Equal(("unauthorized", "401 from the API"), (reported.GetProperty("code").GetString(), reported.GetProperty("message").GetString()));
        Assert.Equal("configured", received.Single(r => r.Type == WebhookEventTypes.Recovered).Json.GetProperty("connection").GetProperty("status").GetString());
        Assert.Equal("access_denied", received.Single(r => r.Type == WebhookEventTypes.AuthorizationFailed).Json.GetProperty("error").GetProperty("code").GetString());
        Assert.False(received.Single(r => r.Type == WebhookEventTypes.Authorized).Json.TryGetProperty("error", out _));
        Assert.Empty(_otherTenant.Received);
    }

    [Fact]
    public async Task A_deleted_connection_publishes_its_deletion_and_its_row_goes_once_it_is_handed_on()
    {
        var (tenant, _) = await RegisteredTenantAsync(_receiver);
        var key = ConnectionKeys.For(tenant, "gone");
        var grain = await fixture.ConnectAsync(key);

        await grain.Delete();

        await Received(3, "authorized, disconnected and deleted arrive");
        // Deliveries are not ordered, and the fake clock gives the disconnect and the deletion one time: compare as a set.
        Assert.Equal(new[] { WebhookEventTypes.Authorized, WebhookEventTypes.Disconnected, WebhookEventTypes.Deleted }.Order(),
            _receiver.Received.Select(r => r.Type).Order());
        var row = await fixture.ReadStateAsync(key);
        Assert.False(row.Exists);
        Assert.Null(row.Settings.ClientSecret);
        Assert.Empty(row.Outbox);
        Assert.Equal(ConnectionProblemKind.NotFound, (await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.Get())).Kind);
    }

    [Fact]
    public async Task An_event_the_webhooks_grain_cannot_store_stays_in_the_connections_row_and_is_delivered_once_it_can()
    {
        var (tenant, _) = await RegisteredTenantAsync(_receiver);
        var key = ConnectionKeys.For(tenant, "stuck");
        fixture.Storage.FailWrites("tenant-webhooks");
        OutboxEvent kept;
        try
        {
            await fixture.ConnectAsync(key);
            kept = Assert.Single((await fixture.ReadStateAsync(key)).Outbox);
            Assert.Equal(WebhookEventTypes.Authorized, kept.Type);
            fixture.Time.Advance(TimeSpan.FromSeconds(30));
            await fixture.Grains.GetGrain<IConnectionGrain>(key).Get();
            Assert.Empty(_receiver.Received);
        }
        finally
        {
            fixture.Storage.RestoreWrites("tenant-webhooks");
        }

        await fixture.WhileTimePasses(() => Task.FromResult(_receiver.Received.Count == 1), because: "the connection hands the event on again", step: Tick);
        Assert.Equal(kept.Id, _receiver.Received[0].Id);
    }

    [Fact]
    public async Task Failed_refreshes_publish_nothing_while_the_token_is_valid_and_refresh_failed_once_after_it_expired()
    {
        var (tenant, _) = await RegisteredTenantAsync(_receiver);
        var key = ConnectionKeys.For(tenant, "outage");
        var grain = await fixture.ConnectAsync(key);
        await grain.GetAccessToken(false);
        var state = await fixture.ReadStateAsync(key);
        var refreshToken = state.Tokens!.RefreshToken!;
        fixture.ProviderCalls.FailRefreshes(refreshToken, 100);
        await Received(1, "authorized arrives");

        fixture.Time.Advance((await grain.Get()).NextRefreshAt!.Value - fixture.Time.GetUtcNow() + Tick);
        await fixture.WhileTimePasses(() => Task.FromResult(fixture.ProviderCalls.RefreshCallsWith(refreshToken) == 1), step: Tick);
        Assert.Empty((await fixture.ReadStateAsync(key)).Outbox);

        fixture.Time.Advance(state.Tokens.ExpiresAt!.Value - fixture.Time.GetUtcNow() + Tick);
        await fixture.WhileTimePasses(() => Task.FromResult(_receiver.Received.Count == 2), because: "the first failure after expiry is published", step: Tick);
        var calls = fixture.ProviderCalls.RefreshCallsWith(refreshToken);
        await fixture.WhileTimePasses(() => Task.FromResult(fixture.ProviderCalls.RefreshCallsWith(refreshToken) >= calls + 2), because: "it keeps retrying", step: Tick);

        var failed = _receiver.Received[1].Json;
        Assert.Equal(WebhookEventTypes.RefreshFailed, failed.GetProperty("type").GetString());
        Assert.Equal("http_503", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("used", failed.GetProperty("connection").GetProperty("status").GetString());
        Assert.Equal(2, _receiver.Received.Count);
    }
}
