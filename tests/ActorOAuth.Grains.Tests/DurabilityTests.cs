using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Index;
using ActorOAuth.Testing;
using Orleans.Storage;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// "Acknowledged" means durable: a command whose write fails answers 503 and changes nothing; tokens the provider issued
/// are never dropped; a second writer is never overwritten; every status change reaches the tenant's index.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DurabilityTests(ClusterFixture fixture)
{
    private IConnectionGrain Grain(string key) => fixture.Grains.GetGrain<IConnectionGrain>(key);

    private static GrainId Id(string key) => GrainId.Create("connection", key);

    private static void AssertStorageUnavailable(ConnectionProblemException refused)
    {
        Assert.Equal(ConnectionProblemKind.Unavailable, refused.Kind);
        Assert.Equal(ProblemCodes.StorageUnavailable, refused.Code);
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
    }

    private async Task<T> WhileStorageFails<T>(string key, Func<Task<T>> act)
    {
        fixture.Storage.FailWrites(Id(key));
        try
        {
            return await act();
        }
        finally
        {
            fixture.Storage.RestoreWrites(Id(key));
        }
    }

    private async Task<IReadOnlyList<string>> Listed(string key, ConnectionStatus status)
    {
        var (tenant, id) = ConnectionKeys.Split(key);
        var page = await new TenantIndex(fixture.Grains).List(tenant, new ConnectionFilter(status), null, 200);
        return page.Ids.Where(i => i == id).ToList();
    }

    [Fact]
    public async Task A_settings_save_whose_write_fails_is_refused_and_leaves_the_connection_as_it_was()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var before = await grain.Get();
        var logs = await grain.GetLogs(50);

        var refused = await WhileStorageFails(key, () => Assert.ThrowsAsync<ConnectionProblemException>(() =>
            grain.Save(fixture.SandboxSettings() with { Metadata = new Dictionary<string, string> { ["plan"] = "pro" } }, ClusterWithSandbox.RedirectUri)));

        AssertStorageUnavailable(refused);
        Assert.Equivalent(before, await grain.Get(), strict: true);
        Assert.Equal(logs, await grain.GetLogs(50));
        Assert.Empty((await fixture.ReadStateAsync(key)).Settings.Metadata ?? new Dictionary<string, string>());
    }

    [Fact]
    public async Task A_new_connection_whose_write_fails_does_not_exist_afterwards()
    {
        var key = ClusterFixture.NewKey();

        var refused = await WhileStorageFails(key, () => Assert.ThrowsAsync<ConnectionProblemException>(() =>
            Grain(key).Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri)));

        AssertStorageUnavailable(refused);
        Assert.Equal(ConnectionProblemKind.NotFound, (await Assert.ThrowsAsync<ConnectionProblemException>(() => Grain(key).Get())).Kind);
        Assert.False((await fixture.ReadStateAsync(key)).Exists);
    }

    [Fact]
    public async Task A_disconnect_whose_write_fails_is_refused_keeps_the_tokens_and_revokes_nothing()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var token = await grain.GetAccessToken(false);

        var refused = await WhileStorageFails(key, () => Assert.ThrowsAsync<ConnectionProblemException>(() => grain.Disconnect()));

        AssertStorageUnavailable(refused);
        Assert.Equal(ConnectionStatus.Used, (await grain.Get()).Status);
        Assert.Equal(token.AccessToken, (await grain.GetAccessToken(false)).AccessToken);
        Assert.True(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
        Assert.NotNull(await fixture.ReadReminderAsync(key));
        Assert.Equal(ConnectionStatus.Disconnected, (await grain.Disconnect()).Status);
        Assert.False(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
    }

    [Fact]
    public async Task A_reported_error_and_a_delete_whose_writes_fail_are_refused_and_change_nothing()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);

        AssertStorageUnavailable(await WhileStorageFails(key, () => Assert.ThrowsAsync<ConnectionProblemException>(() => grain.ReportError("unauthorized", "401"))));
        Assert.Equal(ConnectionStatus.Configured, (await grain.Get()).Status);
        Assert.Null((await grain.Get()).LastError);

        AssertStorageUnavailable(await WhileStorageFails(key, () => Assert.ThrowsAsync<ConnectionProblemException>(() => grain.Delete())));
        Assert.True((await fixture.ReadStateAsync(key)).Exists);
        Assert.NotNull(await grain.Get());
    }

    [Fact]
    public async Task Tokens_exchanged_while_storage_fails_are_kept_the_callback_says_saving_and_they_land_later()
    {
        var key = ClusterFixture.NewKey();
        var grain = Grain(key);
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);

        var outcome = await WhileStorageFails(key, async () =>
        {
            var saving = await AuthorizationCallback.Complete(fixture.Grains, callback);
            Assert.Null((await fixture.ReadStateAsync(key)).Tokens);
            return saving;
        });

        Assert.Equal(CallbackResult.Saving, outcome.Result);
        Assert.Equal(ConnectionStatus.Configured, (await grain.Get()).Status);
        await fixture.WhileTimePasses(async () => (await fixture.ReadStateAsync(key)).Tokens is not null,
            because: "the kept tokens are written once storage answers", step: TimeSpan.FromSeconds(1));
        Assert.True(await fixture.Sandbox.IsActiveAsync((await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!));
    }

    [Fact]
    public async Task An_index_that_fails_never_stands_between_issued_tokens_and_their_write_and_catches_up_later()
    {
        var key = ClusterFixture.NewKey();
        var grain = Grain(key);
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);

        fixture.Storage.FailWrites(IndexGrainTypes);
        try
        {
            Assert.True((await AuthorizationCallback.Complete(fixture.Grains, callback)).Succeeded);
            Assert.NotNull((await fixture.ReadStateAsync(key)).Tokens);
        }
        finally
        {
            fixture.Storage.RestoreWrites(IndexGrainTypes);
        }

        await fixture.WhileTimePasses(async () => (await Listed(key, ConnectionStatus.Configured)).Count == 1,
            because: "the index is told again until it answers", step: TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_command_that_meets_another_writers_change_never_overwrites_it_and_the_next_call_reads_it()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        await fixture.WriteAsAnotherWriterAsync(key, state => state.Settings = state.Settings with { Metadata = new Dictionary<string, string> { ["writer"] = "other" } });

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            grain.Save(fixture.SandboxSettings() with { Metadata = new Dictionary<string, string> { ["writer"] = "this" } }, ClusterWithSandbox.RedirectUri));

        Assert.Equal("other", (await fixture.ReadStateAsync(key)).Settings.Metadata!["writer"]);
        Assert.Equal("other", (await grain.Get()).Metadata["writer"]);
    }

    [Fact]
    public async Task Tokens_refreshed_while_another_writer_changed_the_connection_are_applied_on_top_of_its_change()
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var old = (await fixture.ReadStateAsync(key)).Tokens!;
        await fixture.WriteAsAnotherWriterAsync(key, state => state.Settings = state.Settings with { Metadata = new Dictionary<string, string> { ["writer"] = "other" } });
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        var fresh = await grain.GetAccessToken(forceRefresh: true);

        var stored = await fixture.ReadStateAsync(key);
        Assert.NotEqual(old.AccessToken, fresh.AccessToken);
        Assert.Equal(fresh.AccessToken, stored.Tokens!.AccessToken);
        Assert.NotEqual(old.RefreshToken, stored.Tokens.RefreshToken);
        Assert.Equal("other", stored.Settings.Metadata!["writer"]);
        Assert.Equal(ConnectionStatus.Used, stored.Status);
    }

    [Fact]
    public async Task Every_status_change_reaches_the_index_a_callback_error_and_a_terminal_refresh_failure_included()
    {
        var failedCallback = ClusterFixture.NewKey();
        var grain = Grain(failedCallback);
        await grain.Save(fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        Assert.Single(await Listed(failedCallback, ConnectionStatus.Pending));
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);
        await AuthorizationCallback.Complete(fixture.Grains, callback with { Code = null, Error = "server_error" });
        Assert.Single(await Listed(failedCallback, ConnectionStatus.Errored));
        Assert.Empty(await Listed(failedCallback, ConnectionStatus.Pending));

        var revoked = ClusterFixture.NewKey();
        var connected = await fixture.ConnectAsync(revoked);
        await connected.GetAccessToken(false);
        Assert.Single(await Listed(revoked, ConnectionStatus.Used));
        await fixture.Sandbox.RevokeAsync((await fixture.ReadStateAsync(revoked)).Tokens!.RefreshToken!);
        fixture.Time.Advance((await connected.Get()).NextRefreshAt!.Value - fixture.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        await fixture.WhileTimePasses(async () => (await connected.Get()).Status == ConnectionStatus.Errored);

        Assert.Single(await Listed(revoked, ConnectionStatus.Errored));
        Assert.Empty(await Listed(revoked, ConnectionStatus.Used));
    }

    [Fact]
    public void The_in_turn_token_path_is_not_on_the_interface_clients_hold() =>
        Assert.DoesNotContain(typeof(IConnectionGrain).GetMethods(), m => m.Name.Contains("InTurn", StringComparison.Ordinal));

    /// <summary>The grain types of the tenant index.</summary>
    private const string IndexGrainTypes = "tenant-";
}
