using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Index;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ConnectFlowApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task The_full_flow_connects_hands_out_a_live_token_and_disconnect_revokes_it()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();

        var put = await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings());
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var created = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", created.GetProperty("status").GetString());
        Assert.False(created.TryGetProperty("clientSecret", out _));
        Assert.Equal(fixture.BaseUrl + "/callback", created.GetProperty("callbackUrl").GetString());

        var callback = await fixture.ConnectAsync(api, id);
        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Contains("Authorization completed successfully", await callback.Content.ReadAsStringAsync());
        Assert.Equal("no-referrer", callback.Headers.GetValues("Referrer-Policy").Single());

        var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        Assert.Equal("configured", view.GetProperty("status").GetString());
        Assert.True(view.GetProperty("hasRefreshToken").GetBoolean());

        var tokenResponse = await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = false });
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        Assert.Equal("no-store", tokenResponse.Headers.CacheControl?.ToString());
        var token = await tokenResponse.Content.ReadFromJsonAsync<JsonElement>();
        var accessToken = token.GetProperty("accessToken").GetString()!;
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.True(await fixture.Sandbox.IsActiveAsync(accessToken));
        Assert.Equal("used", (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("status").GetString());

        var disconnect = await api.PostAsync($"/api/connections/{id}/disconnect", null);
        Assert.Equal(HttpStatusCode.OK, disconnect.StatusCode);
        Assert.Equal("disconnected", (await disconnect.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.False(await fixture.Sandbox.IsActiveAsync(accessToken));

        var after = await api.PostAsync($"/api/connections/{id}/token", null);
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType);

        var logs = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs");
        var events = logs.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Equal(["revoked", "revoked", "disconnected", "used", "token_exchanged", "callback_received", "authorize_started", "settings_updated", "created"], events);
        Assert.DoesNotContain(accessToken, logs.GetRawText());
    }

    [Fact]
    public async Task Deny_at_the_sandbox_ends_in_a_readable_failure_page_and_a_logged_error()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();

        var callback = await fixture.ConnectAsync(api, id, approve: false);

        Assert.Equal(HttpStatusCode.BadRequest, callback.StatusCode);
        Assert.Equal("text/html", callback.Content.Headers.ContentType?.MediaType);
        var page = await callback.Content.ReadAsStringAsync();
        Assert.Contains("Access was not granted", page);
        Assert.Contains("access_denied", page);
        var logs = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs?limit=1");
        var entry = logs.GetProperty("items")[0];
        Assert.Equal("authorization_denied", entry.GetProperty("event").GetString());
        Assert.Equal("error", entry.GetProperty("level").GetString());
    }

    [Fact]
    public async Task A_replayed_callback_shows_a_400_page_and_changes_nothing()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        var authorize = await (await api.PostAsync($"/api/connections/{id}/authorize", null)).Content.ReadFromJsonAsync<JsonElement>();
        var location = await RunningSandbox.ConsentAsync(authorize.GetProperty("authorizationUrl").GetString()!, approve: true);
        using var browser = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(location)).StatusCode);
        var before = await api.GetStringAsync($"/api/connections/{id}");
        var logsBefore = await api.GetStringAsync($"/api/connections/{id}/logs");

        var replay = await browser.GetAsync(location);

        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("expired or was already used", await replay.Content.ReadAsStringAsync());
        Assert.Equal(before, await api.GetStringAsync($"/api/connections/{id}"));
        Assert.Equal(logsBefore, await api.GetStringAsync($"/api/connections/{id}/logs"));
    }

    [Fact]
    public async Task A_return_url_of_an_allowed_origin_redirects_there_after_the_callback()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();

        var refused = await api.PostAsJsonAsync($"/api/connections/{id}/authorize", new { returnUrl = "https://evil.example.net/x" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var authorize = await (await api.PostAsJsonAsync($"/api/connections/{id}/authorize", new { returnUrl = "https://app.example.com/done" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var location = await RunningSandbox.ConsentAsync(authorize.GetProperty("authorizationUrl").GetString()!, approve: true);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var callback = await browser.GetAsync(location);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("https://app.example.com/done", callback.Headers.Location?.ToString());
    }

    [Theory]
    [InlineData("https://APP.Example.COM/done", "https://app.example.com/done")]
    [InlineData("https://app.example.com:443/done", "https://app.example.com/done")]
    [InlineData("https://app.example.com", "https://app.example.com/")]
    public async Task A_return_url_comes_back_in_the_callbacks_location_in_normalised_form(string returnUrl, string location)
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();

        var authorize = await api.PostAsJsonAsync($"/api/connections/{id}/authorize", new { returnUrl });
        authorize.EnsureSuccessStatusCode();
        var consented = await RunningSandbox.ConsentAsync((await authorize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!, approve: true);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var callback = await browser.GetAsync(consented);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        // The header as sent: the typed Location would show a parsed (already normalised) Uri.
        Assert.Equal(location, callback.Headers.NonValidated["Location"].ToString());
    }

    [Fact]
    public async Task Hidden_settings_are_left_out_of_every_view()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        var settings = new
        {
            provider = "sandbox",
            clientId = RunningSandbox.ClientId,
            clientSecret = RunningSandbox.ClientSecret,
            scopes = new[] { "files.read", "offline_access" },
            hidden = new[] { "clientId", "tokenUrl", "authorizeUrl" },
        };
        var put = await (await api.PutAsJsonAsync($"/api/connections/{id}", settings)).Content.ReadFromJsonAsync<JsonElement>();
        await fixture.ConnectAsync(api, id, settings: settings);
        var get = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        var list = await api.GetFromJsonAsync<JsonElement>("/api/connections?limit=200");
        var listed = list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);

        foreach (var view in new[] { put, get, listed })
        {
            Assert.False(view.TryGetProperty("clientId", out _));
            Assert.False(view.TryGetProperty("tokenUrl", out _));
            Assert.False(view.TryGetProperty("authorizeUrl", out _));
            Assert.True(view.TryGetProperty("revokeUrl", out _));
        }
    }

    [Fact]
    public async Task Listing_pages_through_a_tenants_connections_and_filters_by_status()
    {
        using var api = fixture.Client(ApiFixture.KeyB);
        var ids = Enumerable.Range(0, 5).Select(_ => ApiFixture.NewId()).ToList();
        foreach (var id in ids)
        {
            (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        }

        await fixture.ConnectAsync(api, ids[0]);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await api.GetFromJsonAsync<JsonElement>($"/api/connections?limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        while (cursor is not null);

        Assert.Superset(ids.ToHashSet(), seen.ToHashSet());
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        var configured = await api.GetFromJsonAsync<JsonElement>("/api/connections?status=configured&limit=200");
        Assert.Contains(configured.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetString() == ids[0]);
        Assert.All(configured.GetProperty("items").EnumerateArray(), c => Assert.Equal("configured", c.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Listing_filters_by_provider_by_metadata_and_by_both()
    {
        using var api = fixture.Client(ApiFixture.KeyB);
        var customer = "customer-" + Guid.NewGuid().ToString("N");
        object Sandbox(string? region = null) => new
        {
            provider = "sandbox", clientId = RunningSandbox.ClientId, clientSecret = RunningSandbox.ClientSecret,
            metadata = region is null ? new Dictionary<string, string> { ["customer"] = customer } : new() { ["customer"] = customer, ["region"] = region },
        };
        object Custom() => new
        {
            authorizeUrl = fixture.Sandbox.AuthorizeUrl, tokenUrl = fixture.Sandbox.TokenUrl, clientId = RunningSandbox.ClientId,
            metadata = new Dictionary<string, string> { ["customer"] = customer },
        };
        var sandbox = new[] { ApiFixture.NewId(), ApiFixture.NewId(), ApiFixture.NewId() };
        var custom = new[] { ApiFixture.NewId(), ApiFixture.NewId() };
        var otherCustomer = ApiFixture.NewId();
        await PutAsync(api, sandbox[0], Sandbox("eu"));
        await PutAsync(api, sandbox[1], Sandbox("us"));
        await PutAsync(api, sandbox[2], Sandbox("eu"));
        await PutAsync(api, custom[0], Custom());
        await PutAsync(api, custom[1], Custom());
        await PutAsync(api, otherCustomer, fixture.SandboxSettings());

        var byCustomer = await ListAllAsync(api, $"metadata.customer={customer}", limit: 2);
        var bySandboxAndCustomer = await ListAllAsync(api, $"provider=sandbox&metadata.customer={customer}", limit: 2);
        var byTwoPairs = await ListAllAsync(api, $"provider=sandbox&metadata.customer={customer}&metadata.region=eu");
        var bySandbox = await ListAllAsync(api, "provider=sandbox");

        Assert.Equal(sandbox.Concat(custom).Order(StringComparer.Ordinal), byCustomer.Select(Id));
        Assert.Equal(sandbox.Order(StringComparer.Ordinal), bySandboxAndCustomer.Select(Id));
        Assert.All(bySandboxAndCustomer, c => Assert.Equal(customer, c.GetProperty("metadata").GetProperty("customer").GetString()));
        Assert.Equal(new[] { sandbox[0], sandbox[2] }.Order(StringComparer.Ordinal), byTwoPairs.Select(Id));
        Assert.Superset(sandbox.Append(otherCustomer).ToHashSet(), bySandbox.Select(Id).ToHashSet());
        Assert.DoesNotContain(bySandbox, c => custom.Contains(Id(c)));
        Assert.All(bySandbox, c => Assert.Equal("sandbox", c.GetProperty("provider").GetString()));
    }

    [Fact]
    public async Task Listing_checks_every_candidate_against_its_connection_and_still_fills_the_page()
    {
        using var api = fixture.Client(ApiFixture.KeyB);
        var customer = "customer-" + Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["customer"] = customer };
        var real = new[] { ApiFixture.NewId(), ApiFixture.NewId(), ApiFixture.NewId() };
        foreach (var id in real)
        {
            await PutAsync(api, id, new { provider = "sandbox", clientId = RunningSandbox.ClientId, metadata });
        }

        // Candidates the index offers but the connections deny: ids that sort first and whose grains know nothing (an
        // entry that outlived its connection), and a real connection the index believes has this customer.
        var index = new TenantIndex(fixture.Grains);
        foreach (var ghost in Enumerable.Range(0, 5).Select(i => $"a-ghost-{customer}-{i}"))
        {
            await index.Upsert("tenant-b", new IndexEntry(ghost, ConnectionStatus.Pending, "sandbox", null, MetadataHash.Of(metadata), 1));
        }

        var elsewhere = ApiFixture.NewId();
        await PutAsync(api, elsewhere, fixture.SandboxSettings());
        await index.Upsert("tenant-b", new IndexEntry(elsewhere, ConnectionStatus.Pending, "sandbox", null, MetadataHash.Of(metadata), long.MaxValue));

        var first = await api.GetFromJsonAsync<JsonElement>($"/api/connections?metadata.customer={customer}&limit=2");
        var all = await ListAllAsync(api, $"metadata.customer={customer}", limit: 2);

        Assert.Equal(real.Order(StringComparer.Ordinal).Take(2), first.GetProperty("items").EnumerateArray().Select(Id));
        Assert.Equal(JsonValueKind.String, first.GetProperty("next").ValueKind);
        Assert.Equal(real.Order(StringComparer.Ordinal), all.Select(Id));
    }

    private static async Task PutAsync(HttpClient api, string id, object settings) =>
        (await api.PutAsJsonAsync($"/api/connections/{id}", settings)).EnsureSuccessStatusCode();

    private static string Id(JsonElement connection) => connection.GetProperty("id").GetString()!;

    /// <summary>Every page of a listing; each page but the last is full.</summary>
    private static async Task<List<JsonElement>> ListAllAsync(HttpClient api, string query, int limit = 200)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await api.GetFromJsonAsync<JsonElement>($"/api/connections?{query}&limit={limit}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            var got = page.GetProperty("items").EnumerateArray().ToList();
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            Assert.True(cursor is null || got.Count == limit, "a page with more to come is full");
            items.AddRange(got);
        }
        while (cursor is not null);

        return items;
    }

    [Fact]
    public async Task Reporting_an_error_errors_a_connected_connection_and_a_pending_one_answers_409()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        var pending = await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized", message = "401 from Dropbox" });
        Assert.Equal(HttpStatusCode.Conflict, pending.StatusCode);

        await fixture.ConnectAsync(api, id);
        // Not "unauthorized", which tries a refresh at once (UnauthorizedReportTests): any other code only errors it.
        var reported = await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "dropbox:invalid_access_token", message = "401 from Dropbox" });

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        Assert.Equal("errored", view.GetProperty("status").GetString());
        Assert.Equal("dropbox:invalid_access_token", view.GetProperty("lastError").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_reported_error_keeps_a_message_in_any_script_as_written()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await fixture.ConnectAsync(api, id);
        const string message = "Zugriff verweigert für café — 401 von Dropbox (ファイル)";

        var reported = await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "dropbox:expired_access_token", message });

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        var lastError = (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("lastError");
        Assert.Equal("dropbox:expired_access_token", lastError.GetProperty("code").GetString());
        Assert.Equal(message, lastError.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Delete_disconnects_and_forgets()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await fixture.ConnectAsync(api, id);
        var token = (await (await api.PostAsync($"/api/connections/{id}/token", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/connections/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/connections/{id}")).StatusCode);
        Assert.False(await fixture.Sandbox.IsActiveAsync(token));
    }

    [Fact]
    public async Task The_callback_url_endpoint_answers_the_public_callback()
    {
        using var api = fixture.Client();
        var body = await api.GetFromJsonAsync<JsonElement>("/api/callback-url");
        Assert.Equal(fixture.BaseUrl + "/callback", body.GetProperty("callbackUrl").GetString());
    }

    [Fact]
    public async Task A_tenant_with_a_custom_domain_registers_and_authorizes_with_its_own_callback()
    {
        using var api = fixture.Client(ApiFixture.KeyC);
        var id = ApiFixture.NewId();

        var callbackUrl = (await api.GetFromJsonAsync<JsonElement>("/api/callback-url")).GetProperty("callbackUrl").GetString();
        var view = await (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).Content.ReadFromJsonAsync<JsonElement>();
        var start = await (await api.PostAsync($"/api/connections/{id}/authorize", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("https://oauth2.acme.example/callback", callbackUrl);
        Assert.Equal(callbackUrl, view.GetProperty("callbackUrl").GetString());
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(start.GetProperty("authorizationUrl").GetString()!).Query);
        Assert.Equal(callbackUrl, query["redirect_uri"]);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint()
    {
        using var client = fixture.Client(apiKey: null);
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/api/connections", "get"), ("/api/connections/{id}", "put"), ("/api/connections/{id}", "get"), ("/api/connections/{id}", "delete"),
            ("/api/connections/{id}/authorize", "post"), ("/api/connections/{id}/token", "post"), ("/api/connections/{id}/errors", "post"),
            ("/api/connections/{id}/disconnect", "post"), ("/api/connections/{id}/logs", "get"), ("/api/callback-url", "get"),
        })
        {
            Assert.True(paths.GetProperty(path).TryGetProperty(method, out var operation), $"{method} {path}");
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path} documents 401");
        }

        Assert.True(paths.GetProperty("/api/connections/{id}/token").GetProperty("post").GetProperty("responses").TryGetProperty("503", out _));
        Assert.True(paths.GetProperty("/api/connections/{id}").GetProperty("put").GetProperty("responses").TryGetProperty("503", out _));
        var codes = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemCode").GetProperty("enum").EnumerateArray().Select(c => c.GetString());
        Assert.Equal(ActorOAuth.Abstractions.ProblemCodes.All, codes);
    }
}
