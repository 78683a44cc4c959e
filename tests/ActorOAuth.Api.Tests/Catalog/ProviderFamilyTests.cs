using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests.Catalog;

/// <summary>
/// One recorded-answer test per provider family: a connection of an integration of the built-in entry, through the
/// real authorize → callback → token → refresh → disconnect path against the family's stand-in. Each asserts what the
/// provider received (client authentication, body encoding, scope separator, revocation shape) and what the connection
/// holds (config, refresh token kept or replaced, granted scopes), and ends with the leak scan.
/// </summary>
[Collection(CatalogCollection.Name)]
public sealed class ProviderFamilyTests(CatalogFixture fixture)
{
    private ProviderStandIn StandIn => fixture.StandIn;

    [Fact]
    public async Task Slack_comma_scopes_basic_auth_nested_user_and_ok_false_errors_rotating_refresh_and_bearer_revocation()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.slack");
        var integration = CatalogFixture.NewId("slack-prod");

        var callback = await fixture.ConnectAsync(api, id, new { integration, metadata = new { customer = "acme" } },
            integration, App("slack", ["chat:write", "channels:read"]));

        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        var authorization = Single(mark, "slack", "authorize");
        Assert.Equal("chat:write,channels:read", authorization.Query["scope"]);
        Assert.False(authorization.Query.ContainsKey("code_challenge"));
        var exchange = Single(mark, "slack", "token");
        AssertBasic(exchange);
        Assert.Equal("form", exchange.Encoding);

        var view = await View(api, id);
        Assert.Equal("configured", view.GetProperty("status").GetString());
        Assert.Equal(integration, view.GetProperty("integration").GetString());
        Assert.Equal(StandIn.Url("slack", "token"), view.GetProperty("tokenUrl").GetString());
        Assert.Equal(["chat:write", "channels:read"], Strings(view.GetProperty("grantedScopes")));
        var config = Config(view);
        Assert.Equal("T0TEAM", config["teamId"]);
        Assert.Equal("U0BOT", config["botUserId"]);
        Assert.Equal("U0USER", config["authedUserId"]);
        Assert.Equal("A0APP", config["appId"]);
        Assert.Equal("false", config["isEnterpriseInstall"]);
        Assert.False(config.ContainsKey("enterpriseId"));

        var token = await Token(api, id, force: false);
        Assert.Equal(StandIn.LastAccessToken("slack"), token.GetProperty("accessToken").GetString());
        Assert.Equal("bot", token.GetProperty("tokenType").GetString());
        Assert.Equal("T0TEAM", Config(token)["teamId"]);

        var (first, second) = await RefreshTwice(api, id, "slack", mark);
        Assert.NotEqual(first, second);

        var check = await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/check", null));
        var answer = await check.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("ok").GetBoolean());
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        var identity = Single(mark, "slack", "check");
        Assert.Equal("POST", identity.Method);
        Assert.Equal(StandIn.LastAccessToken("slack"), identity.Bearer);

        var accessToken = StandIn.LastAccessToken("slack");
        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "slack", "revoke");
        Assert.Equal(("POST", "none", accessToken), (revocation.Method, revocation.Encoding, revocation.Bearer));
        Assert.Equal(["revoked", "disconnected"], (await Events(api, id)).Take(2));
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Slack_errors_on_http_200_with_ok_false_fail_the_exchange()
    {
        using var api = fixture.Client();
        var id = CatalogFixture.NewId("bad.slack");
        var integration = CatalogFixture.NewId("slack-bad");
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", new
        {
            provider = "slack", clientId = ProviderStandIn.ClientId, clientSecret = "not-the-secret",
        }));

        var callback = await fixture.ConnectAsync(api, id, new { integration });

        Assert.Equal(HttpStatusCode.BadGateway, callback.StatusCode);
        var view = await View(api, id);
        Assert.Equal("errored", view.GetProperty("status").GetString());
        Assert.Equal("invalid_client", view.GetProperty("lastError").GetProperty("code").GetString());
    }

    [Fact]
    public async Task QuickBooks_keeps_the_realm_id_of_the_callback_refreshes_with_basic_and_revokes_with_a_json_body()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.quickbooks");
        var integration = CatalogFixture.NewId("qbo");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration }, integration, App("quickbooks"))).StatusCode);

        Assert.Equal("com.intuit.quickbooks.accounting", Single(mark, "quickbooks", "authorize").Query["scope"]);
        AssertBasic(Single(mark, "quickbooks", "token"));
        var view = await View(api, id);
        Assert.Equal("9130355", Config(view)["realmId"]);
        Assert.Equal("9130355", Config(await Token(api, id, force: false))["realmId"]);

        var (first, second) = await RefreshTwice(api, id, "quickbooks", mark);
        Assert.NotEqual(first, second);
        Assert.Equal("9130355", Config(await View(api, id))["realmId"]);

        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "quickbooks", "revoke");
        Assert.Equal(("POST", "json"), (revocation.Method, revocation.Encoding));
        AssertBasic(revocation);
        Assert.StartsWith("rt-", revocation.Fields["token"]);
        Assert.NotEqual(second, revocation.Fields["token"]);
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Dropbox_asks_for_offline_access_keeps_its_static_refresh_token_and_revokes_with_the_access_token()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.dropbox");
        var integration = CatalogFixture.NewId("dropbox");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, scopes = new[] { "files.content.read", "account_info.read" } },
            integration, App("dropbox"))).StatusCode);

        var authorization = Single(mark, "dropbox", "authorize");
        Assert.Equal("offline", authorization.Query["token_access_type"]);
        Assert.Equal("files.content.read account_info.read", authorization.Query["scope"]);
        Assert.Equal("S256", authorization.Query["code_challenge_method"]);
        AssertBasic(Single(mark, "dropbox", "token"));
        var view = await View(api, id);
        Assert.Equal("dbid:AAH4f99", Config(view)["accountId"]);
        Assert.Equal("12345", Config(view)["uid"]);

        var (first, second) = await RefreshTwice(api, id, "dropbox", mark);
        Assert.Equal(first, second);
        view = await View(api, id);
        Assert.True(view.GetProperty("hasRefreshToken").GetBoolean());
        Assert.Equal(["account_info.read", "files.content.read"], Strings(view.GetProperty("grantedScopes")));

        var accessToken = StandIn.LastAccessToken("dropbox");
        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "dropbox", "revoke");
        Assert.Equal(("POST", "none", accessToken), (revocation.Method, revocation.Encoding, revocation.Bearer));
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task GitHub_asks_for_json_reads_comma_joined_scopes_has_no_refresh_token_and_revokes_with_delete_and_basic()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.github");
        var integration = CatalogFixture.NewId("github");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, scopes = new[] { "repo", "gist" } },
            integration, App("github"))).StatusCode);

        Assert.Equal("repo gist", Single(mark, "github", "authorize").Query["scope"]);
        var exchange = Single(mark, "github", "token");
        Assert.Equal((ProviderStandIn.ClientId, ProviderStandIn.ClientSecret), (exchange.Fields["client_id"], exchange.Fields["client_secret"]));
        Assert.Null(exchange.Scheme);
        Assert.Contains("application/json", exchange.Accept);
        var view = await View(api, id);
        Assert.Equal(["repo", "gist"], Strings(view.GetProperty("grantedScopes")));
        Assert.False(view.GetProperty("hasRefreshToken").GetBoolean());
        Assert.False(view.TryGetProperty("accessTokenExpiresAt", out _));

        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(StandIn.LastAccessToken("github"), (await Token(api, id, force: true)).GetProperty("accessToken").GetString());
        Assert.Single(Since(mark, "github", "token"));

        var accessToken = StandIn.LastAccessToken("github");
        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "github", "revoke");
        Assert.Equal(("DELETE", "json", accessToken), (revocation.Method, revocation.Encoding, revocation.Fields["access_token"]));
        Assert.Equal([ProviderStandIn.ClientId], revocation.Labels);
        AssertBasic(revocation);
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task A_form_encoded_token_response_is_read_like_json()
    {
        using var api = fixture.Client();
        var id = CatalogFixture.NewId("form.github");
        StandIn.Family("github").AlwaysForm = true;
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new
            {
                provider = "github", clientId = ProviderStandIn.ClientId, clientSecret = ProviderStandIn.ClientSecret, scopes = new[] { "repo" },
            })).StatusCode);
        }
        finally
        {
            StandIn.Family("github").AlwaysForm = false;
        }

        var view = await View(api, id);
        Assert.Equal("configured", view.GetProperty("status").GetString());
        Assert.Equal(["repo", "gist"], Strings(view.GetProperty("grantedScopes")));
        Assert.Equal(StandIn.LastAccessToken("github"), (await Token(api, id, force: false)).GetProperty("accessToken").GetString());
    }

    [Fact]
    public async Task Salesforce_fills_its_host_assumes_a_lifetime_without_expires_in_and_reads_the_instance_url_on_every_response()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.salesforce");
        var integration = CatalogFixture.NewId("salesforce");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, @params = new { host = "acme.my.salesforce.com" } },
            integration, App("salesforce"))).StatusCode);

        var exchanged = fixture.Time.GetUtcNow();
        Assert.Equal(["acme.my.salesforce.com"], Single(mark, "salesforce", "authorize").Labels);
        Assert.Equal("api refresh_token", Single(mark, "salesforce", "authorize").Query["scope"]);
        var exchange = Single(mark, "salesforce", "token");
        Assert.Equal(["acme.my.salesforce.com"], exchange.Labels);
        Assert.Equal(ProviderStandIn.ClientSecret, exchange.Fields["client_secret"]);
        var view = await View(api, id);
        Assert.Equal(StandIn.Url("salesforce", "token", "acme.my.salesforce.com"), view.GetProperty("tokenUrl").GetString());
        Assert.Equal(exchanged.AddHours(2), view.GetProperty("accessTokenExpiresAt").GetDateTimeOffset());
        var config = Config(view);
        Assert.Equal("https://acme.my.salesforce.com", config["instanceUrl"]);
        Assert.Equal("https://login.salesforce.com/id/00D000000000001/005000000000001", config["identityUrl"]);
        Assert.Equal("acme.my.salesforce.com", config["host"]);

        var (first, second) = await RefreshTwice(api, id, "salesforce", mark);
        Assert.Equal(first, second);
        Assert.Equal("https://acme3.my.salesforce.com", Config(await View(api, id))["instanceUrl"]);

        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "salesforce", "revoke");
        Assert.Equal(("POST", "form", first), (revocation.Method, revocation.Encoding, revocation.Fields["token"]));
        Assert.Null(revocation.Scheme);
        Assert.Equal(["revoked", "disconnected"], (await Events(api, id)).Take(2));
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Notion_sends_json_bodies_with_basic_keeps_the_workspace_rotates_and_revokes_with_json()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.notion");
        var integration = CatalogFixture.NewId("notion");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration }, integration, App("notion"))).StatusCode);

        var exchanged = fixture.Time.GetUtcNow();
        Assert.Equal("user", Single(mark, "notion", "authorize").Query["owner"]);
        var exchange = Single(mark, "notion", "token");
        Assert.Equal(("json", "authorization_code"), (exchange.Encoding, exchange.Fields["grant_type"]));
        AssertBasic(exchange);
        var view = await View(api, id);
        Assert.Equal(exchanged.AddHours(1), view.GetProperty("accessTokenExpiresAt").GetDateTimeOffset());
        var config = Config(view);
        Assert.Equal(("w0rkspace-1", "b0t-1", "Acme"), (config["workspaceId"], config["botId"], config["workspaceName"]));
        Assert.False(config.ContainsKey("duplicatedTemplateId"));

        var (first, second) = await RefreshTwice(api, id, "notion", mark);
        Assert.NotEqual(first, second);
        Assert.All(Since(mark, "notion", "token"), r => Assert.Equal("json", r.Encoding));

        var accessToken = StandIn.LastAccessToken("notion");
        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "notion", "revoke");
        Assert.Equal(("POST", "json", accessToken), (revocation.Method, revocation.Encoding, revocation.Fields["token"]));
        AssertBasic(revocation);
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Zendesk_fills_the_subdomain_sends_expires_in_rotates_and_revokes_with_delete()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.zendesk");
        var integration = CatalogFixture.NewId("zendesk");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, @params = new { subdomain = "acme" } },
            integration, App("zendesk"))).StatusCode);

        Assert.Equal(["acme"], Single(mark, "zendesk", "authorize").Labels);
        Assert.Equal("read", Single(mark, "zendesk", "authorize").Query["scope"]);
        var exchange = Single(mark, "zendesk", "token");
        Assert.Equal(["acme"], exchange.Labels);
        Assert.Equal(("form", "1800", ProviderStandIn.ClientSecret), (exchange.Encoding, exchange.Fields["expires_in"], exchange.Fields["client_secret"]));
        var view = await View(api, id);
        Assert.Equal("acme", Config(view)["subdomain"]);
        Assert.Equal(StandIn.Url("zendesk", "token", "acme"), view.GetProperty("tokenUrl").GetString());

        var (first, second) = await RefreshTwice(api, id, "zendesk", mark);
        Assert.NotEqual(first, second);
        Assert.All(Since(mark, "zendesk", "token"), r => Assert.Equal("1800", r.Fields["expires_in"]));

        var accessToken = StandIn.LastAccessToken("zendesk");
        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "zendesk", "revoke");
        Assert.Equal(("DELETE", "none", accessToken), (revocation.Method, revocation.Encoding, revocation.Bearer));
        Assert.Equal(["acme"], revocation.Labels);
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Microsoft_fills_the_tenant_replaces_its_refresh_token_and_disconnects_without_revocation()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.microsoft");
        var integration = CatalogFixture.NewId("entra");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, @params = new { tenant = "contoso.onmicrosoft.com" } },
            integration, App("microsoft"))).StatusCode);

        var authorization = Single(mark, "microsoft", "authorize");
        Assert.Equal(["contoso.onmicrosoft.com"], authorization.Labels);
        Assert.Equal("openid offline_access User.Read", authorization.Query["scope"]);
        Assert.Equal("query", authorization.Query["response_mode"]);
        Assert.Equal("S256", authorization.Query["code_challenge_method"]);
        Assert.Equal(ProviderStandIn.ClientSecret, Single(mark, "microsoft", "token").Fields["client_secret"]);
        var view = await View(api, id);
        Assert.Equal(["openid", "offline_access", "User.Read"], Strings(view.GetProperty("grantedScopes")));
        Assert.Equal("contoso.onmicrosoft.com", Config(view)["tenant"]);

        var (first, second) = await RefreshTwice(api, id, "microsoft", mark);
        Assert.NotEqual(first, second);

        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        Assert.Empty(Since(mark, "microsoft", "revoke"));
        var events = await Events(api, id);
        Assert.Equal(["revoke_skipped", "disconnected"], events.Take(2));
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Google_asks_for_offline_access_and_consent_keeps_its_refresh_token_and_revokes_it_without_client_auth()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.google");
        var integration = CatalogFixture.NewId("google");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration }, integration, App("google"))).StatusCode);

        var authorization = Single(mark, "google", "authorize");
        Assert.Equal(("offline", "consent", "true"), (authorization.Query["access_type"], authorization.Query["prompt"], authorization.Query["include_granted_scopes"]));
        Assert.Equal("openid email", authorization.Query["scope"]);
        Assert.Equal(ProviderStandIn.ClientSecret, Single(mark, "google", "token").Fields["client_secret"]);

        var (first, second) = await RefreshTwice(api, id, "google", mark);
        Assert.Equal(first, second);
        Assert.True((await View(api, id)).GetProperty("hasRefreshToken").GetBoolean());

        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        var revocation = Single(mark, "google", "revoke");
        Assert.Equal(("POST", "form", first), (revocation.Method, revocation.Encoding, revocation.Fields["token"]));
        Assert.Null(revocation.Scheme);
        Assert.False(revocation.Fields.ContainsKey("client_secret"));
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task Shopify_verifies_the_callbacks_hmac_and_shop_and_asks_for_expiring_tokens()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.shopify");
        var integration = CatalogFixture.NewId("shopify");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, scopes = new[] { "read_products", "write_orders" }, @params = new { shop = "acme-store" } },
            integration, App("shopify"))).StatusCode);

        Assert.Equal("read_products,write_orders", Single(mark, "shopify", "authorize").Query["scope"]);
        Assert.Equal("1", Single(mark, "shopify", "token").Fields["expiring"]);
        Assert.Equal(["read_products", "write_orders"], Strings((await View(api, id)).GetProperty("grantedScopes")));
        var check = await (await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/check", null))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(check.GetProperty("ok").GetBoolean());

        // A callback signed with another secret is refused before any code exchange.
        var forged = CatalogFixture.NewId("forged.shopify");
        StandIn.ExpectedSecret = "another-secret";
        StandIn.AddSecret("another-secret");
        try
        {
            var page = await fixture.ConnectAsync(api, forged, new { integration, @params = new { shop = "acme-store" } });
            Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        }
        finally
        {
            StandIn.ExpectedSecret = ProviderStandIn.ClientSecret;
        }

        Assert.Single(Since(mark, "shopify", "token"));
        Assert.Equal("callback_rejected", (await Events(api, forged))[0]);
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task DocuSign_reads_its_account_and_api_base_from_userinfo_after_the_code_exchange()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.docusign");
        var integration = CatalogFixture.NewId("docusign");

        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, id, new { integration, @params = new { accountHost = "account-d.docusign.com" } },
            integration, App("docusign"))).StatusCode);

        Assert.Equal("signature extended", Single(mark, "docusign", "authorize").Query["scope"]);
        AssertBasic(Single(mark, "docusign", "token"));
        var lookup = Single(mark, "docusign", "check");
        Assert.Equal(("GET", StandIn.LastAccessToken("docusign")), (lookup.Method, lookup.Bearer));
        Assert.Equal(["account-d.docusign.com"], lookup.Labels);
        var config = Config(await View(api, id));
        Assert.Equal(("acc-123", "https://demo.docusign.net", "account-d.docusign.com"), (config["accountId"], config["baseUri"], config["accountHost"]));
        Assert.Equal("acc-123", Config(await Token(api, id, force: false))["accountId"]);

        await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/disconnect", null));
        Assert.Equal(["revoke_skipped", "disconnected"], (await Events(api, id)).Take(2));
        fixture.AssertNothingLeaked();
    }

    private static object App(string provider, string[]? scopes = null) =>
        new { provider, clientId = ProviderStandIn.ClientId, clientSecret = ProviderStandIn.ClientSecret, scopes };

    private IReadOnlyList<StandInRequest> Since(int mark, string family, string kind) =>
        [.. StandIn.Requests.Skip(mark).Where(r => r.Family == family && r.Kind == kind)];

    private StandInRequest Single(int mark, string family, string kind) => Since(mark, family, kind) switch
    {
        [var first, ..] => first,
        _ => throw new Xunit.Sdk.XunitException($"the {family} stand-in received no {kind} request"),
    };

    private static void AssertBasic(StandInRequest request) =>
        Assert.Equal(("Basic", ProviderStandIn.ClientId, ProviderStandIn.ClientSecret), (request.Scheme, request.BasicUser, request.BasicPassword));

    /// <summary>Two forced refreshes past the debounce; the refresh tokens the provider received, in order.</summary>
    private async Task<(string First, string Second)> RefreshTwice(HttpClient api, string id, string family, int mark)
    {
        for (var i = 0; i < 2; i++)
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(10));
            var handedOut = (await Token(api, id, force: true)).GetProperty("accessToken").GetString();
            Assert.True(StandIn.LastAccessToken(family) == handedOut, string.Join(", ", await Events(api, id)) + " | "
                + string.Join(", ", Since(mark, family, "token").Select(r => r.Fields.GetValueOrDefault("grant_type"))));
        }

        var refreshes = Since(mark, family, "token").Where(r => r.Fields.GetValueOrDefault("grant_type") == "refresh_token").ToList();
        Assert.Equal(2, refreshes.Count);
        return (refreshes[0].Fields["refresh_token"], refreshes[1].Fields["refresh_token"]);
    }

    private static async Task<JsonElement> View(HttpClient api, string id) => await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");

    private static async Task<JsonElement> Token(HttpClient api, string id, bool force) =>
        await (await CatalogFixture.Ok(await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = force }))).Content.ReadFromJsonAsync<JsonElement>();

    private static async Task<List<string>> Events(HttpClient api, string id) =>
        [.. (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs?limit=200")).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event").GetString()!)];

    private static Dictionary<string, string> Config(JsonElement element) =>
        element.GetProperty("config").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
