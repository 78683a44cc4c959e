using System.Net;
using System.Text.Json;

namespace ActorOAuth.Sandbox.Tests;

public sealed class SandboxServerTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private readonly SandboxDriver _driver = fixture.Driver;

    private string Issuer => _driver.BaseAddress.AbsoluteUri;

    [Fact]
    public async Task Discovery_document_lists_the_endpoints()
    {
        var json = await _driver.Http.GetStringAsync("/.well-known/openid-configuration");
        var discovery = JsonDocument.Parse(json).RootElement;

        Assert.Equal(Issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal(Issuer + "connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(Issuer + "connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal(Issuer + "connect/revoke", discovery.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(Issuer + "connect/introspect", discovery.GetProperty("introspection_endpoint").GetString());

        var grantTypes = Strings(discovery.GetProperty("grant_types_supported"));
        Assert.Contains("authorization_code", grantTypes);
        Assert.Contains("refresh_token", grantTypes);

        var scopes = Strings(discovery.GetProperty("scopes_supported"));
        Assert.All(fixture.Options.Scopes, scope => Assert.Contains(scope, scopes));

        var authMethods = Strings(discovery.GetProperty("token_endpoint_auth_methods_supported"));
        Assert.Contains("client_secret_basic", authMethods);
        Assert.Contains("client_secret_post", authMethods);
        Assert.Contains("S256", Strings(discovery.GetProperty("code_challenge_methods_supported")));
    }

    [Fact]
    public async Task Consent_page_shows_the_client_and_scopes_and_carries_every_parameter()
    {
        var verifier = SandboxDriver.NewCodeVerifier();
        var state = "<script>alert(\"x\")</script>&more";
        var form = await _driver.GetConsentFormAsync(_driver.AuthorizeUrl("files.read files.write", state, SandboxDriver.CodeChallenge(verifier)));

        Assert.Contains("Sandbox provider", form.Html);
        Assert.Contains("<strong>actoroauth</strong> wants access to:", form.Html);
        Assert.Contains("<li>files.read</li>", form.Html);
        Assert.Contains("<li>files.write</li>", form.Html);
        Assert.DoesNotContain("<script>", form.Html);
        Assert.Contains("<button type=\"submit\" id=\"approve\" name=\"submit.approve\" value=\"1\">Approve</button>", form.Html);
        Assert.Contains("<button type=\"submit\" id=\"deny\" name=\"submit.deny\" value=\"1\">Deny</button>", form.Html);

        Assert.Equal("/connect/authorize", form.Action);
        Assert.Equal(state, form["state"]);
        Assert.Equal(_driver.ClientId, form["client_id"]);
        Assert.Equal(SandboxFixture.RedirectUri, form["redirect_uri"]);
        Assert.Equal("code", form["response_type"]);
        Assert.Equal("files.read files.write", form["scope"]);
        Assert.Equal(SandboxDriver.CodeChallenge(verifier), form["code_challenge"]);
        Assert.Equal("S256", form["code_challenge_method"]);
    }

    [Fact]
    public async Task Code_flow_with_pkce_and_client_secret_basic_issues_access_and_refresh_tokens()
    {
        var verifier = SandboxDriver.NewCodeVerifier();
        var form = await _driver.GetConsentFormAsync(_driver.AuthorizeUrl("files.read offline_access", "pkce-state", SandboxDriver.CodeChallenge(verifier)));

        var redirect = await _driver.SubmitConsentAsync(form, approve: true);
        Assert.Equal("pkce-state", redirect["state"]);
        Assert.Equal(Issuer, redirect["iss"]);
        Assert.False(string.IsNullOrEmpty(redirect["code"]));

        var (status, tokens) = await _driver.RedeemCodeAsync(redirect["code"], verifier, basicAuth: true);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        AssertExpiresIn(tokens);
        Assert.Equal("files.read offline_access", tokens.GetProperty("scope").GetString());
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));

        var claims = SandboxDriver.JwtPayload(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal("sandbox-user", claims.GetProperty("sub").GetString());
        Assert.Equal("Sandbox User", claims.GetProperty("name").GetString());
        Assert.Equal("files.read offline_access", claims.GetProperty("scope").GetString());
        Assert.Equal(Issuer, claims.GetProperty("iss").GetString());
    }

    [Fact]
    public async Task Code_flow_without_pkce_and_with_client_secret_post_issues_tokens()
    {
        var form = await _driver.GetConsentFormAsync(_driver.AuthorizeUrl("files.write offline_access", "plain-state"));
        Assert.Null(form["code_challenge"]);

        var redirect = await _driver.SubmitConsentAsync(form, approve: true);
        Assert.Equal("plain-state", redirect["state"]);

        var (status, tokens) = await _driver.RedeemCodeAsync(redirect["code"], codeVerifier: null, basicAuth: false);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        AssertExpiresIn(tokens);
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("access_token").GetString()));
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));
    }

    [Fact]
    public async Task Authorization_code_can_be_redeemed_only_once()
    {
        var form = await _driver.GetConsentFormAsync(_driver.AuthorizeUrl("files.read", "once"));
        var redirect = await _driver.SubmitConsentAsync(form, approve: true);

        var (first, tokens) = await _driver.RedeemCodeAsync(redirect["code"], codeVerifier: null);
        Assert.Equal(HttpStatusCode.OK, first);
        Assert.False(tokens.TryGetProperty("refresh_token", out _), "no offline_access, no refresh token");

        var (second, error) = await _driver.RedeemCodeAsync(redirect["code"], codeVerifier: null);
        Assert.Equal(HttpStatusCode.BadRequest, second);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Deny_redirects_with_access_denied()
    {
        var form = await _driver.GetConsentFormAsync(_driver.AuthorizeUrl("files.read offline_access", "deny-state"));

        var redirect = await _driver.SubmitConsentAsync(form, approve: false);

        Assert.Equal("access_denied", redirect["error"]);
        Assert.False(string.IsNullOrEmpty(redirect["error_description"]));
        Assert.Equal("deny-state", redirect["state"]);
        Assert.False(redirect.ContainsKey("code"));
    }

    [Fact]
    public async Task Refresh_rotates_and_the_old_refresh_token_dies()
    {
        var tokens = await _driver.AuthorizeAsync();
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var (status, refreshed) = await _driver.RefreshAsync(first);
        Assert.True(status == HttpStatusCode.OK, refreshed.ToString());
        var second = refreshed.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first, second);
        Assert.NotEqual(tokens.GetProperty("access_token").GetString(), refreshed.GetProperty("access_token").GetString());
        AssertExpiresIn(refreshed);

        var (replayStatus, replay) = await _driver.RefreshAsync(first);
        Assert.Equal(HttpStatusCode.BadRequest, replayStatus);
        Assert.Equal("invalid_grant", replay.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Replaying_a_rotated_refresh_token_revokes_the_whole_chain()
    {
        var tokens = await _driver.AuthorizeAsync();
        var first = tokens.GetProperty("refresh_token").GetString()!;
        var (_, refreshed) = await _driver.RefreshAsync(first);
        var second = refreshed.GetProperty("refresh_token").GetString()!;

        var (replayStatus, _) = await _driver.RefreshAsync(first);
        Assert.Equal(HttpStatusCode.BadRequest, replayStatus);

        var (status, error) = await _driver.RefreshAsync(second);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.False((await _driver.IntrospectAsync(refreshed.GetProperty("access_token").GetString()!)).Body.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Concurrent_code_flows_and_refreshes_all_succeed()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var tokens = await _driver.AuthorizeAsync();
            var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
            for (var i = 0; i < 3; i++)
            {
                var (status, refreshed) = await _driver.RefreshAsync(refreshToken);
                Assert.True(status == HttpStatusCode.OK, refreshed.ToString());
                refreshToken = refreshed.GetProperty("refresh_token").GetString()!;
            }

            return refreshToken;
        }));

        Assert.Equal(results.Length, results.Distinct().Count());
    }

    [Fact]
    public async Task Introspection_reports_issued_tokens_active_and_a_revoked_access_token_inactive()
    {
        var tokens = await _driver.AuthorizeAsync();
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;

        var (status, active) = await _driver.IntrospectAsync(accessToken);
        Assert.True(status == HttpStatusCode.OK, active.ToString());
        Assert.True(active.GetProperty("active").GetBoolean(), active.ToString());
        Assert.Equal("sandbox-user", active.GetProperty("sub").GetString());
        Assert.Equal(_driver.ClientId, active.GetProperty("client_id").GetString());
        Assert.Equal("access_token", active.GetProperty("token_usage").GetString());

        var (_, refreshActive) = await _driver.IntrospectAsync(refreshToken, basicAuth: false);
        Assert.True(refreshActive.GetProperty("active").GetBoolean(), refreshActive.ToString());

        var (revokeStatus, _) = await _driver.RevokeAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, revokeStatus);

        var (_, inactive) = await _driver.IntrospectAsync(accessToken);
        Assert.False(inactive.GetProperty("active").GetBoolean(), inactive.ToString());
    }

    [Fact]
    public async Task Revoked_refresh_token_cannot_be_used()
    {
        var tokens = await _driver.AuthorizeAsync();
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;

        var (revokeStatus, _) = await _driver.RevokeAsync(refreshToken, basicAuth: false);
        Assert.Equal(HttpStatusCode.OK, revokeStatus);

        var (status, error) = await _driver.RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Wrong_client_secret_is_rejected()
    {
        var tokens = await _driver.AuthorizeAsync();
        var fields = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
            ["client_id"] = _driver.ClientId,
            ["client_secret"] = "wrong",
        };

        using var response = await _driver.Http.PostAsync("/connect/token", new FormUrlEncodedContent(fields));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("client_id=unknown&redirect_uri=http%3A%2F%2F127.0.0.1%3A5999%2Fcallback&response_type=code&scope=files.read&state=s")]
    [InlineData("client_id=actoroauth&redirect_uri=http%3A%2F%2F127.0.0.1%3A5999%2Fother&response_type=code&scope=files.read&state=s")]
    public async Task Invalid_authorization_requests_get_an_error_and_no_redirect(string query)
    {
        using var response = await _driver.Http.GetAsync("/connect/authorize?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Unknown_scope_is_rejected_without_redirect()
    {
        using var response = await _driver.Http.GetAsync(_driver.AuthorizeUrl("files.delete", "scope-state"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("error:invalid_scope", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // OpenIddict derives expires_in from the whole-second exp of the token, so it can be one second short.
    private void AssertExpiresIn(JsonElement tokens)
    {
        var lifetime = (long)fixture.Options.AccessTokenLifetime.TotalSeconds;
        Assert.InRange(tokens.GetProperty("expires_in").GetInt64(), lifetime - 1, lifetime);
    }

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(item => item.GetString())];
}
