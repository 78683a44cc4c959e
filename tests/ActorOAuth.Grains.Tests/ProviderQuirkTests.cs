using ActorOAuth.Abstractions;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// Token responses the catalog's entries read their own way, answered by a stand-in token endpoint while the
/// authorization runs at the real sandbox: an error member on HTTP 200, <c>expires_in</c> 0 or missing, tokens nested
/// under <c>authed_user</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProviderQuirkTests(ClusterFixture fixture) : IAsyncLifetime
{
    private OddProvider _odd = null!;

    [Fact]
    public async Task A_token_response_carrying_an_error_member_is_a_failure_whatever_its_http_status()
    {
        var key = ClusterFixture.NewKey();
        var grain = fixture.Grains.GetGrain<IConnectionGrain>(key);
        await grain.Save(fixture.SandboxSettings() with { TokenUrl = _odd.Answering("""{"error":"invalid_grant","error_description":"Code expired.","access_token":"ignored"}""") },
            ClusterWithSandbox.RedirectUri);

        var outcome = await AuthorizationCallback.Complete(fixture.Grains, await ClusterFixture.ConsentAsync(grain, approve: true));

        Assert.Equal(CallbackResult.TokenEndpointFailed, outcome.Result);
        Assert.Equal("invalid_grant", outcome.ErrorCode);
        Assert.Null((await fixture.ReadStateAsync(key)).Tokens);
    }

    [Fact]
    public async Task Expires_in_zero_means_the_token_never_expires()
    {
        var grain = await Connect("mailchimp", """{"access_token":"mc-token","token_type":"bearer","expires_in":0,"scope":null}""");

        var view = await grain.Get();

        Assert.Null(view.AccessTokenExpiresAt);
        Assert.Null(view.NextRefreshAt);
        Assert.Equal("mc-token", (await grain.GetAccessToken(false)).AccessToken);
    }

    [Fact]
    public async Task A_missing_expires_in_takes_the_entrys_lifetime_when_a_refresh_token_is_held()
    {
        var notion = await Connect("notion", """{"access_token":"n-token","token_type":"bearer","refresh_token":"n-refresh","workspace_id":"w1","bot_id":"b1"}""");
        var github = await Connect("github", """{"access_token":"g-token","token_type":"bearer","scope":"repo,gist"}""");

        var notionView = await notion.Get();
        Assert.Equal(fixture.Time.GetUtcNow().AddHours(1), notionView.AccessTokenExpiresAt);
        Assert.NotNull(notionView.NextRefreshAt);
        Assert.Equal("w1", notionView.Config["workspaceId"]);
        var githubView = await github.Get();
        Assert.Null(githubView.AccessTokenExpiresAt);
        Assert.Equal(["repo", "gist"], githubView.GrantedScopes);
    }

    [Fact]
    public async Task A_user_token_only_slack_install_is_read_from_authed_user()
    {
        var grain = await Connect("slack", """
            {"ok":true,"app_id":"A1","team":{"id":"T1","name":"Acme"},
             "authed_user":{"id":"U1","scope":"search:read,users:read","access_token":"xoxp-user","token_type":"user"}}
            """);

        var token = await grain.GetAccessToken(false);

        Assert.Equal(("xoxp-user", "user"), (token.AccessToken, token.TokenType));
        Assert.Equal(["search:read", "users:read"], token.Scopes);
        Assert.Equal(("T1", "U1", "A1"), (token.Config["teamId"], token.Config["authedUserId"], token.Config["appId"]));
    }

    [Fact]
    public async Task Slacks_ok_false_on_http_200_is_a_failure_with_its_error_code()
    {
        var key = ClusterFixture.NewKey();
        var grain = fixture.Grains.GetGrain<IConnectionGrain>(key);
        await grain.Save(fixture.SandboxSettings() with { Provider = "slack", TokenUrl = _odd.Answering("""{"ok":false,"error":"invalid_code"}"""), Scopes = ["files.read"], Pkce = false }, ClusterWithSandbox.RedirectUri);

        var outcome = await AuthorizationCallback.Complete(fixture.Grains, await ClusterFixture.ConsentAsync(grain, approve: true));

        Assert.Equal(("invalid_code", ConnectionStatus.Errored), (outcome.ErrorCode, (await grain.Get()).Status));
    }

    /// <summary>A connection with <paramref name="provider"/>'s behaviour whose code exchange is answered with <paramref name="json"/>.</summary>
    private async Task<IConnectionGrain> Connect(string provider, string json)
    {
        var key = ClusterFixture.NewKey();
        var grain = fixture.Grains.GetGrain<IConnectionGrain>(key);
        // The sandbox runs the consent (one scope: Slack joins them with commas); the provider's behaviour reads the stand-in's answer.
        await grain.Save(fixture.SandboxSettings(pkce: false) with { Provider = provider, TokenUrl = _odd.Answering(json), Scopes = ["files.read"] }, ClusterWithSandbox.RedirectUri);
        var outcome = await AuthorizationCallback.Complete(fixture.Grains, await ClusterFixture.ConsentAsync(grain, approve: true));
        Assert.True(outcome.Succeeded, $"{outcome.ErrorCode}: {outcome.ErrorDescription}");
        return grain;
    }

    public async Task InitializeAsync() => _odd = await OddProvider.StartAsync();

    public async Task DisposeAsync() => await _odd.DisposeAsync();
}
