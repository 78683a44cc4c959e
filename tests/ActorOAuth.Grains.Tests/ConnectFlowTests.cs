using ActorOAuth.Abstractions;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ConnectFlowTests(ClusterFixture fixture)
{
    private IConnectionGrain Grain(string key) => fixture.Grains.GetGrain<IConnectionGrain>(key);

    private Task<CallbackOutcome> Complete(CallbackRequest callback) => AuthorizationCallback.Complete(fixture.Grains, callback);

    [Fact]
    public async Task Saving_settings_creates_a_pending_connection_that_never_shows_the_secret()
    {
        var grain = Grain(ClusterFixture.NewKey());
        var first = await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var second = await grain.Save(fixture.SandboxSettings() with { Metadata = new Dictionary<string, string> { ["customer"] = "acme" } }, ClusterWithSandbox.RedirectUri);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(ConnectionStatus.Pending, second.Connection.Status);
        Assert.Equal("acme", second.Connection.Metadata["customer"]);
        Assert.Equal(["settings_updated", "created"], (await grain.GetLogs(10)).Select(e => e.Event));
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, TokenAuthMethods.ClientSecretPost)]
    public async Task Authorize_callback_and_exchange_configure_the_connection(bool pkce, string? authMethod)
    {
        var grain = await fixture.ConnectAsync(ClusterFixture.NewKey(), fixture.SandboxSettings(pkce, authMethod));

        var view = await grain.Get();
        Assert.Equal(ConnectionStatus.Configured, view.Status);
        Assert.True(view.HasRefreshToken);
        Assert.Contains("files.read", view.GrantedScopes);
        Assert.NotNull(view.AccessTokenExpiresAt);
        Assert.NotNull(view.NextRefreshAt);
        Assert.Equal(["token_exchanged", "callback_received", "authorize_started", "created"], (await grain.GetLogs(10)).Select(e => e.Event));
    }

    [Fact]
    public async Task The_authorization_url_carries_state_pkce_exact_redirect_uri_and_extra_parameters()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings() with { AuthorizeParams = new Dictionary<string, string> { ["access_type"] = "offline" } }, ClusterWithSandbox.RedirectUri);

        var start = await grain.Authorize(ClusterWithSandbox.RedirectUri, null);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(start.AuthorizationUrl).Query);

        Assert.Equal("code", query["response_type"]);
        Assert.Equal(ClusterWithSandbox.RedirectUri, query["redirect_uri"]);
        Assert.Equal("files.read offline_access", query["scope"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("offline", query["access_type"]);
        Assert.True(Convert.FromBase64String(query["state"].ToString().Replace('-', '+').Replace('_', '/') + "=").Length >= 16);
        Assert.Equal(fixture.Time.GetUtcNow().AddMinutes(10), start.ExpiresAt);
    }

    [Fact]
    public async Task Fetching_the_token_marks_the_connection_used_and_hands_out_a_live_token()
    {
        var grain = await fixture.ConnectAsync(ClusterFixture.NewKey());

        var token = await grain.GetAccessToken(forceRefresh: false);

        Assert.Equal(ConnectionStatus.Used, (await grain.Get()).Status);
        Assert.True(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
        Assert.Equal("used", (await grain.GetLogs(1))[0].Event);
    }

    [Fact]
    public async Task A_repeated_used_entry_is_logged_at_once_and_written_within_the_interval_not_on_the_token_path()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await UseTwiceAnIntervalApart(key, grain);

        Assert.Equal(2, UsedEntries(await grain.GetLogs(10)));
        Assert.Equal(1, UsedEntries((await fixture.ReadStateAsync(key)).Log));
        await fixture.WhileTimePasses(async () => UsedEntries((await fixture.ReadStateAsync(key)).Log) == 2,
            because: "the entry is written within the write delay", step: TimeSpan.FromSeconds(10));
        Assert.True(fixture.Time.GetUtcNow() - (await grain.GetLogs(1))[0].At <= new ConnectionOptions().UsedWriteDelay + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_repeated_used_entry_is_written_by_the_deferred_write_alone_once_the_write_delay_has_passed()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await UseTwiceAnIntervalApart(key, grain);
        var token = (await fixture.ReadStateAsync(key)).Tokens!.AccessToken;

        // Well before the token's refresh is due: no other write would carry the entry.
        fixture.Time.Advance(new ConnectionOptions().UsedWriteDelay + TimeSpan.FromSeconds(1));

        await ClusterWithSandbox.Eventually(async () => UsedEntries((await fixture.ReadStateAsync(key)).Log) == 2,
            because: "the silo's deferred writes tell the connection once its delay has passed");
        Assert.Equal(token, (await fixture.ReadStateAsync(key)).Tokens!.AccessToken);
    }

    [Fact]
    public async Task A_pending_used_entry_is_written_when_the_connection_deactivates()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await UseTwiceAnIntervalApart(key, grain);

        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        await ClusterWithSandbox.Eventually(async () => UsedEntries((await fixture.ReadStateAsync(key)).Log) == 2,
            because: "deactivation writes the entry the timer had not written yet");
    }

    [Fact]
    public async Task A_token_is_handed_out_from_memory_while_the_connections_state_write_waits_on_a_slow_database()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var expected = await grain.GetAccessToken(forceRefresh: false);
        fixture.Time.Advance(TimeSpan.FromSeconds(5));
        var fetchedAt = fixture.Time.GetUtcNow();

        Task saving;
        using (var hold = fixture.Storage.HoldWrites(GrainId.Create("connection", key)))
        {
            saving = grain.Save(fixture.SandboxSettings() with { Metadata = new Dictionary<string, string> { ["plan"] = "pro" } }, ClusterWithSandbox.RedirectUri);
            await ClusterWithSandbox.Eventually(() => Task.FromResult(hold.Waiting), because: "the settings write starts and waits");

            // The settings call holds the connection's turn until the database answers; the token fetch does not wait for it.
            var token = await grain.GetAccessToken(forceRefresh: false).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(expected.AccessToken, token.AccessToken);
            Assert.False(saving.IsCompleted);
        }

        await saving;
        var view = await grain.Get();
        Assert.Equal("pro", view.Metadata["plan"]);
        Assert.Equal(fetchedAt, view.LastUsedAt);
        Assert.Equal(1, UsedEntries(await grain.GetLogs(20)));
    }

    [Fact]
    public async Task A_fetch_waiting_for_its_turn_while_the_connection_is_deleted_is_answered_not_found_without_holding_the_delete_up()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await grain.GetAccessToken(forceRefresh: false);

        Task deleting;
        Task<AccessTokenResult> waiting;
        using (var hold = fixture.Storage.HoldWrites(GrainId.Create("connection", key)))
        {
            deleting = grain.Delete();
            await ClusterWithSandbox.Eventually(() => Task.FromResult(hold.Waiting), because: "the disconnect's write starts and waits");

            // A forced refresh needs the turn the delete holds: it waits in the queue, and the delete ends in a deactivation.
            waiting = grain.GetAccessToken(forceRefresh: true).AsTask();
            Assert.False(waiting.IsCompleted);
        }

        await deleting.WaitAsync(TimeSpan.FromSeconds(10));
        var missing = await Assert.ThrowsAsync<ConnectionProblemException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ConnectionProblemKind.NotFound, missing.Kind);
        Assert.False((await fixture.ReadStateAsync(key)).Exists);
    }

    private static int UsedEntries(IEnumerable<LogEntry> log) => log.Count(e => e.Event == "used");

    /// <summary>Fetches the token, then again one <c>used</c> interval later: the second entry is not written yet.</summary>
    private async Task UseTwiceAnIntervalApart(string key, IConnectionGrain grain)
    {
        await grain.GetAccessToken(forceRefresh: false);
        Assert.Equal(1, UsedEntries((await fixture.ReadStateAsync(key)).Log));
        fixture.Time.Advance(new ConnectionOptions().UsedLogInterval + TimeSpan.FromSeconds(1));
        await grain.GetAccessToken(forceRefresh: false);
        Assert.Equal(1, UsedEntries((await fixture.ReadStateAsync(key)).Log));
    }

    [Fact]
    public async Task A_replayed_state_is_refused_and_changes_nothing()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);
        Assert.True((await Complete(callback)).Succeeded);
        var before = await grain.Get();
        var logsBefore = await grain.GetLogs(50);

        var replay = await Complete(callback);

        Assert.Equal(CallbackResult.Expired, replay.Result);
        Assert.Equivalent(before, await grain.Get(), strict: true);
        Assert.Equal(logsBefore, await grain.GetLogs(50));
    }

    [Fact]
    public async Task An_expired_state_is_refused_and_changes_nothing()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);
        var before = await grain.Get();
        fixture.Time.Advance(TimeSpan.FromMinutes(11));

        var expired = await Complete(callback);

        Assert.Equal(CallbackResult.Expired, expired.Result);
        Assert.Equal(ConnectionStatus.Pending, (await grain.Get()).Status);
        Assert.Equal(before.UpdatedAt, (await grain.Get()).UpdatedAt);
    }

    [Fact]
    public async Task A_forged_state_is_refused()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);

        var forged = await Complete(callback with { State = callback.State + "x" });

        Assert.Equal(CallbackResult.Expired, forged.Result);
        Assert.Equal(ConnectionStatus.Pending, (await grain.Get()).Status);
        Assert.True((await Complete(callback)).Succeeded);
    }

    [Fact]
    public async Task A_connection_exchanges_with_the_redirect_uri_it_authorized_with_even_after_the_callback_url_changed()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);
        await grain.Save(fixture.SandboxSettings(), "https://oauth2.moved.example/callback");

        var outcome = await Complete(callback);

        Assert.True(outcome.Succeeded, outcome.ErrorCode);
        Assert.Equal("https://oauth2.moved.example/callback", (await grain.Get()).CallbackUrl);
    }

    [Fact]
    public async Task A_newer_authorization_discards_the_older_attempt()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var older = await ClusterFixture.ConsentAsync(grain, approve: true);
        var newer = await ClusterFixture.ConsentAsync(grain, approve: true);

        Assert.Equal(CallbackResult.Expired, (await Complete(older)).Result);
        Assert.True((await Complete(newer)).Succeeded);
    }

    [Fact]
    public async Task Denying_at_the_provider_logs_the_error_and_a_first_connection_stays_pending()
    {
        var grain = Grain(ClusterFixture.NewKey());
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: false);

        var outcome = await Complete(callback);

        Assert.Equal(CallbackResult.Denied, outcome.Result);
        Assert.Equal("access_denied", outcome.ErrorCode);
        var view = await grain.Get();
        Assert.Equal(ConnectionStatus.Pending, view.Status);
        Assert.Equal("access_denied", view.LastError?.Code);
        Assert.Equal("authorization_denied", (await grain.GetLogs(1))[0].Event);
    }

    [Fact]
    public async Task A_failed_code_exchange_errors_the_connection_and_keeps_existing_tokens()
    {
        var grain = await fixture.ConnectAsync(ClusterFixture.NewKey());
        var token = await grain.GetAccessToken(false);
        await grain.Save(fixture.SandboxSettings() with { ClientSecret = "wrong-secret" }, ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);

        var outcome = await Complete(callback);

        Assert.Equal(CallbackResult.TokenEndpointFailed, outcome.Result);
        Assert.Equal("invalid_client", outcome.ErrorCode);
        var view = await grain.Get();
        Assert.Equal(ConnectionStatus.Errored, view.Status);
        Assert.True(view.HasRefreshToken);
        Assert.Equal("token_exchange_failed", (await grain.GetLogs(1))[0].Event);
        Assert.True(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
    }

    [Fact]
    public async Task A_reported_error_errors_a_connected_connection_and_is_refused_for_a_pending_one()
    {
        var pending = Grain(ClusterFixture.NewKey());
        await pending.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var refused = await Assert.ThrowsAsync<ConnectionProblemException>(() => pending.ReportError("unauthorized", "401"));
        Assert.Equal(ConnectionProblemKind.Conflict, refused.Kind);

        var connected = await fixture.ConnectAsync(ClusterFixture.NewKey());
        await connected.ReportError("http_403", "403 from the provider");

        var view = await connected.Get();
        Assert.Equal(ConnectionStatus.Errored, view.Status);
        Assert.Equal(new ConnectionError(fixture.Time.GetUtcNow(), "http_403", "403 from the provider"), view.LastError);
        Assert.Equal("error_reported", (await connected.GetLogs(1))[0].Event);
    }

    [Fact]
    public async Task Disconnect_revokes_both_tokens_and_deletes_them()
    {
        var grain = await fixture.ConnectAsync(ClusterFixture.NewKey());
        var token = await grain.GetAccessToken(false);

        var view = await grain.Disconnect();

        Assert.Equal(ConnectionStatus.Disconnected, view.Status);
        Assert.False(view.HasRefreshToken);
        Assert.False(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
        var logs = (await grain.GetLogs(3)).Select(e => e.Event).ToList();
        Assert.Equal(["revoked", "revoked", "disconnected"], logs);
        var conflict = await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.GetAccessToken(false).AsTask());
        Assert.Equal(ConnectionProblemKind.Conflict, conflict.Kind);
    }

    [Fact]
    public async Task A_failed_revocation_still_deletes_the_tokens_and_is_logged()
    {
        var closedPort = RunningSandbox.FreePort();
        var settings = fixture.SandboxSettings() with { RevokeUrl = $"http://127.0.0.1:{closedPort}/revoke" };
        var grain = await fixture.ConnectAsync(ClusterFixture.NewKey(), settings);

        var view = await grain.Disconnect();

        Assert.Equal(ConnectionStatus.Disconnected, view.Status);
        Assert.False(view.HasRefreshToken);
        Assert.Null(view.AccessTokenExpiresAt);
        var logs = await grain.GetLogs(3);
        Assert.Equal(["revoke_failed", "revoke_failed", "disconnected"], logs.Select(e => e.Event));
        await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.GetAccessToken(false).AsTask());
    }

    [Fact]
    public async Task Delete_forgets_the_connection()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);

        await grain.Delete();

        var missing = await Assert.ThrowsAsync<ConnectionProblemException>(() => Grain(key).Get());
        Assert.Equal(ConnectionProblemKind.NotFound, missing.Kind);
    }

    [Fact]
    public async Task Tenant_a_cannot_reach_tenant_b_connection_with_the_same_id()
    {
        var keyA = ClusterFixture.NewKey("tenant-a");
        var keyB = ConnectionKeys.For("tenant-b", ConnectionKeys.Split(keyA).ConnectionId);
        await fixture.ConnectAsync(keyA);

        var missing = await Assert.ThrowsAsync<ConnectionProblemException>(() => Grain(keyB).GetAccessToken(false).AsTask());
        Assert.Equal(ConnectionProblemKind.NotFound, missing.Kind);

        var grainB = Grain(keyB);
        await grainB.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callbackForA = await ClusterFixture.ConsentAsync(Grain(keyA), approve: true);
        // The state names its own connection: B's attempt cannot be completed with A's, and A's completes only A.
        Assert.Equal(CallbackResult.Expired, (await grainB.CompleteCallback(ConnectionKeys.ForState(callbackForA.State), callbackForA)).Result);
        Assert.True((await Complete(callbackForA)).Succeeded);
        Assert.Equal(ConnectionStatus.Pending, (await grainB.Get()).Status);
    }

    [Fact]
    public async Task The_log_is_bounded_and_newest_first()
    {
        var grain = Grain(ClusterFixture.NewKey());
        for (var i = 0; i < new ConnectionOptions().MaxLogEntries + 20; i++)
        {
            await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        }

        var logs = await grain.GetLogs(10_000);
        Assert.Equal(new ConnectionOptions().MaxLogEntries, logs.Count);
        Assert.DoesNotContain(logs, e => e.Event == "created");
        Assert.True(logs.Zip(logs.Skip(1)).All(p => p.First.At >= p.Second.At));
    }
}
