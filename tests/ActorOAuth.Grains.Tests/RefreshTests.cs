using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class RefreshTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_one_hour_token_is_refreshed_about_55_minutes_in_by_its_reminder_and_the_old_refresh_token_dies()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var connectedAt = fixture.Time.GetUtcNow();
        var before = await fixture.ReadStateAsync(key);
        var oldRefreshToken = before.Tokens!.RefreshToken!;
        var due = (await grain.Get()).NextRefreshAt!.Value;
        // Due 5 minutes (the lead's cap; 20 % of an hour is more) before expiry, ±10 % jitter: about 55 minutes in.
        Assert.InRange((before.Tokens.ExpiresAt!.Value - due).TotalMinutes, 4.5, 5.5);
        Assert.NotNull(await fixture.ReadReminderAsync(key));

        fixture.Time.Advance(due - connectedAt - Tick);
        await grain.GetLogs(1);
        Assert.Equal(0, fixture.ProviderCalls.RefreshCallsWith(oldRefreshToken));

        fixture.Time.Advance(Tick * 2);
        await fixture.WhileTimePasses(async () => (await grain.Get()).LastRefreshedAt is not null, because: "the reminder refreshes without any fetch");

        var view = await grain.Get();
        Assert.InRange(view.LastRefreshedAt!.Value, due, due + TimeSpan.FromMinutes(0.1));
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(oldRefreshToken));
        Assert.Equal("token_refreshed", (await grain.GetLogs(1))[0].Event);
        var after = await fixture.ReadStateAsync(key);
        Assert.NotEqual(oldRefreshToken, after.Tokens!.RefreshToken);
        Assert.True(await fixture.Sandbox.IsActiveAsync(after.Tokens.AccessToken));
        Assert.True(await fixture.Sandbox.IsActiveAsync(after.Tokens.RefreshToken!));
        Assert.Equal("invalid_grant", await fixture.Sandbox.TryRefreshAsync(oldRefreshToken));
    }

    [Fact]
    public async Task Two_hundred_concurrent_fetches_when_the_token_is_due_make_one_provider_call_and_share_its_token()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var refreshToken = (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!;
        var oldAccessToken = (await grain.GetAccessToken(false)).AccessToken;
        fixture.Time.Advance((await grain.Get()).NextRefreshAt!.Value - fixture.Time.GetUtcNow());

        var tokens = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => fixture.Grains.GetGrain<IConnectionGrain>(key).GetAccessToken(false).AsTask()));

        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        var distinct = Assert.Single(tokens.Select(t => t.AccessToken).Distinct());
        Assert.NotEqual(oldAccessToken, distinct);
        Assert.True(await fixture.Sandbox.IsActiveAsync(distinct));
    }

    [Fact]
    public async Task A_provider_outage_is_retried_with_backoff_logged_each_time_and_never_errors_the_connection()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await grain.GetAccessToken(false);
        var refreshToken = (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!;
        fixture.ProviderCalls.FailRefreshes(refreshToken, 5);
        fixture.Time.Advance((await grain.Get()).NextRefreshAt!.Value - fixture.Time.GetUtcNow() + Tick);

        for (var failures = 1; failures <= 5; failures++)
        {
            var expected = failures;
            // Whole seconds a poll: a retry's reminder that misses its tick still fires on its period.
            await fixture.WhileTimePasses(async () => (await grain.GetLogs(1))[0].Event == "refresh_failed" && fixture.ProviderCalls.RefreshCallsWith(refreshToken) == expected,
                because: $"failure {failures} is logged", step: TimeSpan.FromSeconds(1));
            var view = await grain.Get();
            Assert.Equal(ConnectionStatus.Used, view.Status);
            Assert.Equal("http_503", view.LastError?.Code);
            var wait = view.NextRefreshAt!.Value - fixture.Time.GetUtcNow();
            Assert.InRange(wait.TotalSeconds, 0.8 * 30 * (1 << (failures - 1)) - 3, 1.2 * 30 * (1 << (failures - 1)) + 1);

            if (view.AccessTokenExpiresAt <= fixture.Time.GetUtcNow())
            {
                // Backing off with an expired token: answer at once with 503, no provider call.
                var unavailable = await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.GetAccessToken(false).AsTask());
                Assert.Equal(ConnectionProblemKind.Unavailable, unavailable.Kind);
                Assert.True(unavailable.RetryAfter > TimeSpan.Zero);
                Assert.Equal(expected, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
            }
            else
            {
                Assert.NotNull((await grain.GetAccessToken(false)).AccessToken);
                Assert.Equal(expected, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
            }

            fixture.Time.Advance(wait + Tick);
        }

        await fixture.WhileTimePasses(async () => (await grain.Get()).LastRefreshedAt is not null, because: "the sixth call succeeds", step: TimeSpan.FromSeconds(1));
        Assert.Equal(6, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        var logs = await grain.GetLogs(50);
        Assert.Equal(5, logs.Count(e => e.Event == "refresh_failed"));
        Assert.Equal("token_refreshed", logs[0].Event);
        Assert.Equal(ConnectionStatus.Used, (await grain.Get()).Status);
        Assert.True(await fixture.Sandbox.IsActiveAsync((await grain.GetAccessToken(false)).AccessToken));
    }

    [Fact]
    public async Task Invalid_grant_errors_the_connection_at_once_removes_the_reminder_and_stops_calling()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var refreshToken = (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!;
        await fixture.Sandbox.RevokeAsync(refreshToken);
        fixture.Time.Advance((await grain.Get()).NextRefreshAt!.Value - fixture.Time.GetUtcNow() + Tick);

        await fixture.WhileTimePasses(async () => (await grain.Get()).Status == ConnectionStatus.Errored);

        var view = await grain.Get();
        Assert.Equal("invalid_grant", view.LastError?.Code);
        Assert.Null(await fixture.ReadReminderAsync(key));
        Assert.Equal("refresh_failed", (await grain.GetLogs(1))[0].Event);
        fixture.Time.Advance(TimeSpan.FromHours(3));
        var conflict = await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.GetAccessToken(true).AsTask());
        Assert.Equal(ConnectionProblemKind.Conflict, conflict.Kind);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
    }

    [Fact]
    public async Task Reauthorizing_after_a_terminal_failure_recovers_the_connection()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await fixture.Sandbox.RevokeAsync((await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ConnectionProblemException>(() => grain.GetAccessToken(forceRefresh: true).AsTask());
        Assert.Equal(ConnectionStatus.Errored, (await grain.Get()).Status);

        var outcome = await AuthorizationCallback.Complete(fixture.Grains, await ClusterFixture.ConsentAsync(grain, approve: true));

        Assert.True(outcome.Succeeded);
        Assert.Equal(ConnectionStatus.Configured, (await grain.Get()).Status);
        Assert.Equal(["recovered", "token_exchanged"], (await grain.GetLogs(2)).Select(e => e.Event));
        Assert.NotNull(await fixture.ReadReminderAsync(key));
    }

    [Fact]
    public async Task A_reported_error_is_recovered_by_one_refresh_on_the_next_fetch()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var refreshToken = (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!;
        // Not "unauthorized", which refreshes at once: any other code waits for the next fetch.
        await grain.ReportError("http_403", "403 from the API");

        var token = await grain.GetAccessToken(false);

        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        Assert.Equal(ConnectionStatus.Used, (await grain.Get()).Status);
        Assert.Contains("recovered", (await grain.GetLogs(5)).Select(e => e.Event));
        Assert.True(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
    }

    [Fact]
    public async Task A_forced_refresh_right_after_a_refresh_returns_the_fresh_token_without_calling_again()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var first = await grain.GetAccessToken(forceRefresh: true);
        var refreshToken = (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!;

        var second = await grain.GetAccessToken(forceRefresh: true);

        Assert.Equal(first.AccessToken, second.AccessToken);
        Assert.Equal(0, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        var third = await grain.GetAccessToken(forceRefresh: true);
        Assert.NotEqual(first.AccessToken, third.AccessToken);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
    }

    [Fact]
    public async Task Disconnect_removes_the_reminder()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        Assert.NotNull(await fixture.ReadReminderAsync(key));

        await grain.Disconnect();

        Assert.Null(await fixture.ReadReminderAsync(key));
        Assert.Null((await grain.Get()).NextRefreshAt);
    }

    [Fact]
    public async Task A_refreshed_token_set_whose_write_fails_is_kept_in_memory_and_written_again()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var stored = await fixture.ReadStateAsync(key);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        fixture.Storage.FailWrites(grain.GetGrainId());
        AccessTokenResult fresh;
        try
        {
            fresh = await grain.GetAccessToken(forceRefresh: true);

            Assert.NotEqual(stored.Tokens!.AccessToken, fresh.AccessToken);
            Assert.Equal(stored.Tokens.RefreshToken, (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken);
            Assert.Equal(fresh.AccessToken, (await grain.GetAccessToken(false)).AccessToken);
        }
        finally
        {
            fixture.Storage.RestoreWrites(grain.GetGrainId());
        }

        fixture.Time.Advance(new ConnectionOptions().StateWriteRetryDelay);
        await fixture.WhileTimePasses(async () => (await fixture.ReadStateAsync(key)).Tokens!.AccessToken == fresh.AccessToken,
            because: "the write is retried until it lands");
        var written = await fixture.ReadStateAsync(key);
        Assert.NotEqual(stored.Tokens.RefreshToken, written.Tokens!.RefreshToken);
        Assert.True(await fixture.Sandbox.IsActiveAsync(written.Tokens.RefreshToken!));
    }
}
