using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests.Catalog;

/// <summary>
/// Integrations (one secret for every connection, rotated in one call, not deleted while in use), the provider
/// catalog endpoints with the operator's overrides and added entries, params that are not host labels, discovery
/// problems, and the connection check's 401.
/// </summary>
[Collection(CatalogCollection.Name)]
public sealed class IntegrationAndCatalogApiTests(CatalogFixture fixture)
{
    private const string RotatedSecret = "standin-secret-two";

    private ProviderStandIn StandIn => fixture.StandIn;

    [Fact]
    public async Task A_rotated_integration_secret_reaches_its_existing_connections_at_their_next_provider_call()
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("zendesk-app");
        var ids = new[] { CatalogFixture.NewId("one.zendesk"), CatalogFixture.NewId("two.zendesk") };
        var app = new { provider = "zendesk", clientId = ProviderStandIn.ClientId, clientSecret = ProviderStandIn.ClientSecret };
        await fixture.ConnectAsync(api, ids[0], new { integration, @params = new { subdomain = "one" } }, integration, app);
        await fixture.ConnectAsync(api, ids[1], new { integration, @params = new { subdomain = "two" } });

        StandIn.AddSecret(RotatedSecret);
        StandIn.ExpectedSecret = RotatedSecret;
        try
        {
            var put = await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", app with { clientSecret = RotatedSecret }));
            var view = await put.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(2, view.GetProperty("connections").GetInt32());
            Assert.True(view.GetProperty("hasClientSecret").GetBoolean());
            Assert.False(view.TryGetProperty("clientSecret", out _));

            var mark = StandIn.Requests.Count;
            fixture.Time.Advance(TimeSpan.FromSeconds(10));
            foreach (var id in ids)
            {
                await CatalogFixture.Ok(await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = true }));
            }

            var refreshes = StandIn.Requests.Skip(mark).Where(r => r.Kind == "token").ToList();
            Assert.Equal(2, refreshes.Count);
            Assert.All(refreshes, r => Assert.Equal(RotatedSecret, r.Fields["client_secret"]));
            Assert.Equal(["one", "two"], refreshes.Select(r => r.Labels[0]));
        }
        finally
        {
            StandIn.ExpectedSecret = ProviderStandIn.ClientSecret;
        }

        var listed = await api.GetFromJsonAsync<JsonElement>($"/api/connections?integration={integration}");
        Assert.Equal(ids, listed.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetString()));
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task An_integration_in_use_cannot_be_deleted_and_can_once_its_connections_are_gone()
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("dropbox-app");
        var id = CatalogFixture.NewId("acme.dropbox");
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", new { provider = "dropbox", clientId = "c", clientSecret = "s" }));
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/connections/{id}", new { integration }));

        var refused = await api.DeleteAsync($"/api/integrations/{integration}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("integration_in_use", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(1, (await api.GetFromJsonAsync<JsonElement>($"/api/integrations/{integration}")).GetProperty("connections").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/connections/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/integrations/{integration}")).StatusCode);
        var gone = await api.GetAsync($"/api/integrations/{integration}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("integration_not_found", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.DoesNotContain(integration, (await api.GetStringAsync("/api/integrations")));
    }

    [Fact]
    public async Task Moving_a_connection_to_another_integration_releases_the_first()
    {
        using var api = fixture.Client();
        var (first, second) = (CatalogFixture.NewId("app-a"), CatalogFixture.NewId("app-b"));
        var id = CatalogFixture.NewId("moved.google");
        foreach (var integration in new[] { first, second })
        {
            await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", new { provider = "google", clientId = "c", clientSecret = "s" }));
        }

        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/connections/{id}", new { integration = first }));
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/connections/{id}", new { integration = second }));

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/integrations/{first}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"/api/integrations/{second}")).StatusCode);
        Assert.Equal(second, (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("integration").GetString());
    }

    [Theory]
    [InlineData("clientId", """ "clientId": "c" """)]
    [InlineData("clientSecret", """ "clientSecret": "s" """)]
    [InlineData("tokenUrl", """ "tokenUrl": "https://93.184.216.34/token" """)]
    [InlineData("authorizeUrl", """ "authorizeUrl": "https://93.184.216.34/authorize" """)]
    [InlineData("provider", """ "provider": "google" """)]
    public async Task A_connection_of_an_integration_that_gives_urls_or_credentials_is_a_400_naming_the_field(string field, string member)
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("strict-app");
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", new { provider = "google", clientId = "c", clientSecret = "s" }));

        var response = await api.PutAsync($"/api/connections/{CatalogFixture.NewId("strict")}",
            new StringContent($$"""{ "integration": "{{integration}}", {{member}} }""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task A_connection_of_an_unknown_integration_is_a_400_naming_integration()
    {
        using var api = fixture.Client();
        var response = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("orphan")}", new { integration = "no-such-app" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("integration", out _));
    }

    [Theory]
    [InlineData("evil.com/")]
    [InlineData("a@b")]
    [InlineData("..")]
    [InlineData("%2F")]
    [InlineData("acme.zendesk.com#")]
    [InlineData("acme:443")]
    [InlineData("-acme")]
    [InlineData("acme\n")]
    [InlineData("")]
    public async Task A_param_that_is_not_a_host_label_is_a_400_for_an_integration_connection_and_an_inline_one(string value)
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("zendesk-hostile");
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", new { provider = "zendesk", clientId = "c", clientSecret = "s" }));

        var viaIntegration = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("hostile")}", new { integration, @params = new { subdomain = value } });
        var inline = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("hostile")}",
            new { provider = "zendesk", clientId = "c", clientSecret = "s", @params = new { subdomain = value } });

        foreach (var response in new[] { viaIntegration, inline })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            Assert.Contains("DNS label", problem.GetProperty("errors").GetProperty("params")[0].GetString());
        }
    }

    [Fact]
    public async Task Params_fill_a_template_and_a_missing_or_unknown_one_is_a_400()
    {
        using var api = fixture.Client();
        var good = await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("inline.zendesk")}",
            new { provider = "zendesk", clientId = "c", clientSecret = "s", @params = new { subdomain = "globex" } }));
        Assert.Equal(StandIn.Url("zendesk", "authorize", "globex"), (await good.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizeUrl").GetString());

        var missing = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("inline.zendesk")}", new { provider = "zendesk", clientId = "c" });
        var unknown = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("inline.zendesk")}",
            new { provider = "zendesk", clientId = "c", @params = new { subdomain = "globex", region = "eu" } });

        Assert.Contains("params.subdomain is required", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("params")[0].GetString());
        Assert.Contains("params.region is not a placeholder", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("params")[0].GetString());
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("169.254.169.254")]
    [InlineData("192.168.1.10")]
    [InlineData("172.16.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    public async Task A_templated_url_never_resolves_to_a_private_address(string host)
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("gitlab-app");
        await CatalogFixture.Ok(await api.PutAsJsonAsync($"/api/integrations/{integration}", new { provider = "gitlab", clientId = "c", clientSecret = "s" }));

        var viaIntegration = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("private")}", new { integration, @params = new { host } });
        var inline = await api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("private")}", new { provider = "okta", clientId = "c", @params = new { domain = host, authServerId = "default" } });

        foreach (var response in new[] { viaIntegration, inline })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("authorizeUrl", out var problem), errors.GetRawText());
            Assert.Contains("not allowed", problem[0].GetString());
        }
    }

    [Fact]
    public async Task The_providers_endpoint_lists_the_catalog_with_the_operators_overrides_and_added_entries()
    {
        using var api = fixture.Client();

        var list = await api.GetFromJsonAsync<JsonElement>("/api/providers");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        var ids = items.Select(i => i.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.True(items.Count(i => i.GetProperty("builtIn").GetBoolean()) >= 30);

        var slack = await api.GetFromJsonAsync<JsonElement>("/api/providers/slack");
        Assert.Equal("Slack", slack.GetProperty("name").GetString());
        Assert.Equal(StandIn.Url("slack", "token"), slack.GetProperty("tokenUrl").GetString());
        Assert.Equal((",", "custom", "client_secret_basic", "rotating"), (slack.GetProperty("scopeSeparator").GetString(), slack.GetProperty("revocation").GetString(),
            slack.GetProperty("tokenAuthMethod").GetString(), slack.GetProperty("refreshTokens").GetString()));
        Assert.Contains("teamId", slack.GetProperty("config").EnumerateArray().Select(c => c.GetString()));

        var zendesk = await api.GetFromJsonAsync<JsonElement>("/api/providers/zendesk");
        Assert.Equal(["subdomain"], zendesk.GetProperty("params").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("none", (await api.GetFromJsonAsync<JsonElement>("/api/providers/microsoft")).GetProperty("revocation").GetString());
        Assert.Equal("https://api.hubapi.com/oauth/2026-03/token", (await api.GetFromJsonAsync<JsonElement>("/api/providers/hubspot")).GetProperty("tokenUrl").GetString());

        var acme = await api.GetFromJsonAsync<JsonElement>("/api/providers/acme");
        Assert.Equal(("Acme Identity", false, "rfc7009"), (acme.GetProperty("name").GetString(), acme.GetProperty("builtIn").GetBoolean(), acme.GetProperty("revocation").GetString()));
        Assert.Equal(["region"], acme.GetProperty("params").EnumerateArray().Select(p => p.GetString()));

        var unknown = await api.GetAsync("/api/providers/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("provider_not_found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_connection_to_an_added_entry_connects_with_rfc6749_defaults()
    {
        using var api = fixture.Client();
        var mark = StandIn.Requests.Count;
        var id = CatalogFixture.NewId("acme.custom");

        var callback = await fixture.ConnectAsync(api, id, new
        {
            provider = "acme", clientId = ProviderStandIn.ClientId, clientSecret = ProviderStandIn.ClientSecret, @params = new { region = "eu" }, tokenAuthMethod = "client_secret_post",
        });

        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        var authorization = StandIn.Requests.Skip(mark).First(r => r.Kind == "authorize");
        Assert.Equal(["eu"], authorization.Labels);
        Assert.Equal("S256", authorization.Query["code_challenge_method"]);
        Assert.Equal("eu", (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("config").GetProperty("region").GetString());
    }

    [Fact]
    public async Task Discovery_reads_either_well_known_document_and_a_path_issuer_and_refuses_a_mismatch_as_a_problem_on_issuer()
    {
        using var api = fixture.Client();
        string Issuer(string name) => $"{StandIn.BaseUrl}/{name}";
        JsonObject Document(string issuer) => new()
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = StandIn.Url("google", "authorize"),
            ["token_endpoint"] = StandIn.Url("google", "token"),
            ["userinfo_endpoint"] = StandIn.Url("google", "check"),
        };
        var server = CatalogFixture.NewId("as");
        var oidc = CatalogFixture.NewId("oidc");
        var mismatch = CatalogFixture.NewId("mismatch");
        var nothing = CatalogFixture.NewId("nothing");
        StandIn.ServeMetadata($"{StandIn.BaseUrl}/.well-known/oauth-authorization-server/{server}", Document(Issuer(server)));
        StandIn.ServeMetadata($"{Issuer(oidc)}/.well-known/openid-configuration", Document(Issuer(oidc)));
        StandIn.ServeMetadata($"{StandIn.BaseUrl}/.well-known/oauth-authorization-server/{mismatch}", Document("https://login.example.com/" + mismatch));

        Task<HttpResponseMessage> Put(string issuer) =>
            api.PutAsJsonAsync($"/api/connections/{CatalogFixture.NewId("discovered")}", new { issuer, clientId = "c", clientSecret = "s" });

        foreach (var name in new[] { server, oidc })
        {
            var created = await Put(Issuer(name));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var view = await created.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(StandIn.Url("google", "token"), view.GetProperty("tokenUrl").GetString());
            Assert.Equal(StandIn.Url("google", "check"), view.GetProperty("userInfoUrl").GetString());
        }

        foreach (var (name, expected) in new[] { (mismatch, "names the issuer 'https://login.example.com/"), (nothing, "answered 404") })
        {
            var refused = await Put(Issuer(name));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            var message = problem.GetProperty("errors").GetProperty("issuer")[0].GetString()!;
            Assert.Contains(expected, message);
            Assert.Contains("/.well-known/oauth-authorization-server/" + name, message);
            Assert.Contains(name + "/.well-known/openid-configuration", message);
        }
    }

    [Fact]
    public async Task A_check_answered_401_errors_the_connection_with_a_check_failed_entry()
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("github-check");
        var id = CatalogFixture.NewId("revoked.github");
        await fixture.ConnectAsync(api, id, new { integration },
            integration, new { provider = "github", clientId = ProviderStandIn.ClientId, clientSecret = ProviderStandIn.ClientSecret });
        var ok = await (await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/check", null))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(ok.GetProperty("ok").GetBoolean());

        StandIn.RevokeAtProvider(StandIn.LastAccessToken("github"));
        var check = await (await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/check", null))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(check.GetProperty("ok").GetBoolean());
        Assert.Equal(401, check.GetProperty("status").GetInt32());
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        Assert.Equal("errored", view.GetProperty("status").GetString());
        Assert.Equal("unauthorized", view.GetProperty("lastError").GetProperty("code").GetString());
        var newest = (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs")).GetProperty("items")[0];
        Assert.Equal(("check_failed", "error"), (newest.GetProperty("event").GetString(), newest.GetProperty("level").GetString()));
        Assert.Contains("401", newest.GetProperty("message").GetString());
        fixture.AssertNothingLeaked();
    }

    [Fact]
    public async Task A_slack_check_answered_ok_false_invalid_auth_tries_one_refresh_and_then_errors_the_connection()
    {
        using var api = fixture.Client();
        var integration = CatalogFixture.NewId("slack-check");
        var id = CatalogFixture.NewId("revoked.slack");
        await fixture.ConnectAsync(api, id, new { integration },
            integration, new { provider = "slack", clientId = ProviderStandIn.ClientId, clientSecret = ProviderStandIn.ClientSecret });
        var mark = StandIn.Requests.Count;
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        StandIn.RevokeAtProvider(StandIn.LastAccessToken("slack"));
        var check = await (await CatalogFixture.Ok(await api.PostAsync($"/api/connections/{id}/check", null))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(check.GetProperty("ok").GetBoolean());
        Assert.Equal(200, check.GetProperty("status").GetInt32());
        Assert.Contains("invalid_auth", check.GetProperty("detail").GetString());
        Assert.Single(StandIn.Requests.Skip(mark), r => r.Kind == "token");
        var events = (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("event").GetString()).Take(2);
        Assert.Equal(["check_failed", "refresh_failed"], events);
        Assert.Equal("errored", (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("status").GetString());
    }
}
