using ActorOAuth.Testing;

namespace ActorOAuth.Client.Tests;

/// <summary>What ActorOAuth.Testing promises a vendor's test: time past expiry, failures and revocations at the provider.</summary>
[Collection(KitCollection.Name)]
public sealed class TestKitTests(KitFixture fixture)
{
    private ActorOAuthTestKit Kit => fixture.Kit;

    [Fact]
    public async Task Advancing_past_expiry_makes_the_next_fetch_hand_out_a_refreshed_token()
    {
        var id = KitFixture.NewId();
        var connected = await Kit.ConnectAsync(id);
        Assert.Equal(ConnectionStatus.Configured, connected.Status);
        var before = await Kit.Client.Connections.GetTokenAsync(id);

        await Kit.AdvancePastExpiryAsync(id);
        var after = await Kit.Client.Connections.GetTokenAsync(id);

        Assert.NotEqual(before.AccessToken, after.AccessToken);
        Assert.True(after.ExpiresAt > Kit.Time.GetUtcNow());
        Assert.True(await Kit.Sandbox.IsActiveAsync(after.AccessToken));
    }

    [Fact]
    public async Task A_revoked_grant_makes_the_refresh_fail_and_the_connection_ask_for_authorization()
    {
        var id = KitFixture.NewId();
        await Kit.ConnectAsync(id);

        await Kit.RevokeGrantAsync(id);
        await Kit.AdvancePastExpiryAsync(id);

        var problem = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Kit.Client.Connections.GetTokenAsync(id));
        Assert.Equal(ActorOAuthProblemCodes.ReauthorizationRequired, problem.Code);
        var connection = await Kit.Client.Connections.GetAsync(id);
        Assert.Equal(ConnectionStatus.Errored, connection.Status);
        Assert.Equal("invalid_grant", connection.LastError?.Code);

        // The customer connects again: the kit's consent helper works on an existing connection too.
        Assert.Equal(200, await Kit.CompleteConsentAsync(id, approve: true));
        Assert.Equal(ConnectionStatus.Configured, (await Kit.Client.Connections.GetAsync(id)).Status);
    }

    [Fact]
    public async Task A_provider_outage_during_a_refresh_backs_off_and_the_connection_recovers_once_it_is_over()
    {
        var id = KitFixture.NewId();
        await Kit.ConnectAsync(id);

        await Kit.FailRefreshesAsync(id, times: 1);
        await Kit.AdvancePastExpiryAsync(id);

        var backingOff = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Kit.Client.Connections.GetTokenAsync(id));
        Assert.Equal(ActorOAuthProblemCodes.RefreshBackingOff, backingOff.Code);
        Assert.NotNull(backingOff.RetryAfter);

        Kit.Time.Advance(backingOff.RetryAfter!.Value + TimeSpan.FromSeconds(1));
        var token = await Kit.Client.Connections.GetTokenAsync(id);
        Assert.True(await Kit.Sandbox.IsActiveAsync(token.AccessToken));
    }

    [Fact]
    public async Task A_denied_consent_leaves_a_new_connection_pending()
    {
        var id = KitFixture.NewId();
        await Kit.Client.Connections.PutAsync(id, ActorOAuthTestKit.SandboxSettings);

        Assert.Equal(400, await Kit.CompleteConsentAsync(id, approve: false));

        var connection = await Kit.Client.Connections.GetAsync(id);
        Assert.Equal(ConnectionStatus.Pending, connection.Status);
        Assert.Equal("access_denied", connection.LastError?.Code);
    }
}
