using ActorOAuth.Abstractions;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

public sealed class NinetySecondTokenFixture() : ClusterWithSandbox(silos: 1, accessTokenLifetime: TimeSpan.FromSeconds(90)), IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

public sealed class ShortTokenTests(NinetySecondTokenFixture fixture) : IClassFixture<NinetySecondTokenFixture>
{
    [Fact]
    public async Task A_90_second_token_is_refreshed_about_72_seconds_in_and_kept_valid_without_any_fetch()
    {
        var key = ConnectionKeys.For("tenant-s", "short-lived");
        var grain = await fixture.ConnectAsync(key);
        var connectedAt = fixture.Time.GetUtcNow();
        var first = await fixture.ReadStateAsync(key);
        var view = await grain.Get();
        Assert.InRange((view.AccessTokenExpiresAt!.Value - connectedAt).TotalSeconds, 88, 90);
        // Due 20 % of the token's lifetime (as the provider gave it) before expiry, ±10 % jitter: about 72 s in.
        var lifetime = first.Tokens!.ExpiresAt!.Value - first.Tokens.IssuedAt;
        var lead = view.AccessTokenExpiresAt.Value - view.NextRefreshAt!.Value;
        Assert.InRange(lead, lifetime * 0.2 * 0.9, lifetime * 0.2 * 1.1);

        // Two minutes without a fetch: the reminder refreshes at ~72 s, then again ~72 s later.
        fixture.Time.Advance(view.NextRefreshAt.Value - connectedAt + TimeSpan.FromSeconds(1));
        await fixture.WhileTimePasses(async () => (await grain.Get()).LastRefreshedAt is not null);
        var refreshedAt = (await grain.Get()).LastRefreshedAt!.Value;
        Assert.InRange(refreshedAt, view.NextRefreshAt.Value, view.NextRefreshAt.Value + TimeSpan.FromSeconds(5));
        fixture.Time.Advance(connectedAt.AddMinutes(2) - fixture.Time.GetUtcNow());
        await grain.GetLogs(1);

        var now = await fixture.ReadStateAsync(key);
        Assert.True(now.Tokens!.ExpiresAt > fixture.Time.GetUtcNow());
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(first.Tokens.RefreshToken!));
        Assert.True(await fixture.Sandbox.IsActiveAsync(now.Tokens.AccessToken));
        Assert.True(await fixture.Sandbox.IsActiveAsync(now.Tokens.RefreshToken!));
        Assert.False(await fixture.Sandbox.IsActiveAsync(first.Tokens.RefreshToken!));
        Assert.Equal(["token_refreshed", "token_exchanged"], (await grain.GetLogs(2)).Select(e => e.Event));
    }
}
