using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// Every attack a connection manager sees, one row each: the answer's status, a problem body or a
/// readable page, and the connection's state and log unchanged — or gained exactly the expected entries.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HostileInputTests(ApiFixture fixture) : IAsyncLifetime
{
    private OddProvider _odd = null!;

    /// <summary>What a row works with: a connected connection of tenant A and clients for everyone.</summary>
    public sealed record Context(ApiFixture Fixture, OddProvider Odd, string Id, HttpClient A, HttpClient B, HttpClient Browser)
    {
        public string Prepared { get; set; } = "";

        public Task<HttpResponseMessage> Send(HttpClient client, string method, string path, string? json = null) =>
            client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", Id))
            {
                Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
            });

        public Task<HttpResponseMessage> A_(string method, string path, string? json = null) => Send(A, method, path, json);

        /// <summary>Starts an authorization of the connection and consents; returns the callback URL the browser would open.</summary>
        public async Task<Uri> ConsentAsync(bool approve = true)
        {
            var start = await (await A_("POST", "/api/connections/{id}/authorize")).Content.ReadFromJsonAsync<JsonElement>();
            return await RunningSandbox.ConsentAsync(start.GetProperty("authorizationUrl").GetString()!, approve);
        }
    }

    /// <summary>One hostile request. <paramref name="Logged"/>: log events it must add, newest first; <paramref name="Became"/>: the status after.</summary>
    public sealed record Row(string Name, Func<Context, Task<HttpResponseMessage>> Act, int Status, bool Page = false,
        Func<Context, Task>? Prepare = null, string[]? Logged = null, string? Became = null, string? Contains = null, string? Lacks = null)
    {
        public override string ToString() => Name;
    }

    /// <summary>A valid PUT body plus <paramref name="extra"/> JSON members.</summary>
    private static string With(string extra) => "{" + GoodUrls + (extra.Length == 0 ? "" : "," + extra) + "}";

    /// <summary>A bad connection id is a validation problem naming the field, on every route.</summary>
    private const string IdError = "\"errors\":{\"id\":[";

    private const string GoodUrls = "\"authorizeUrl\":\"https://93.184.216.34/authorize\",\"tokenUrl\":\"https://93.184.216.34/token\",\"clientId\":\"c\"";

    private static Row PutRow(string name, string json, int status = 400, string? contains = null) =>
        new(name, c => c.A_("PUT", "/api/connections/{id}", json), status, Contains: contains);

    /// <summary>An authorization with <paramref name="json"/> as the returnUrl's JSON string content (escapes allowed).</summary>
    private static Row ReturnUrlRow(string name, string json) =>
        new(name, c => c.A_("POST", "/api/connections/{id}/authorize", "{\"returnUrl\":\"" + json + "\"}"), 400, Contains: "\"errors\":{\"returnUrl\":[");

    /// <summary>An error report with the JSON body <paramref name="json"/>, refused naming <paramref name="field"/>.</summary>
    private static Row ErrorReportRow(string name, string json, string field) =>
        new(name, c => c.A_("POST", "/api/connections/{id}/errors", json), 400, Contains: $"\"errors\":{{\"{field}\":[");

    private static Row TokenUrlRow(string name, string tokenUrl, string contains) =>
        PutRow(name, $$"""{"authorizeUrl":"https://93.184.216.34/a","tokenUrl":"{{tokenUrl}}","clientId":"c"}""", contains: contains);

    public static IEnumerable<object[]> Rows() => AllRows().Select(r => new object[] { r });

    public static IEnumerable<Row> AllRows()
    {
        // Bodies
        yield return PutRow("malformed JSON", "{not json");
        yield return PutRow("JSON array body", "[]");
        yield return PutRow("unknown property, named", With("\"surprise\":1"), contains: "surprise");
        yield return PutRow("duplicate property", With("\"clientId\":\"d\""), contains: "clientId");
        yield return PutRow("wrong type", With("\"pkce\":\"yes\""));
        yield return PutRow("scope with a space", With("\"scopes\":[\"files read\"]"), contains: "scope");
        yield return PutRow("scope with a quote", With("\"scopes\":[\"a\\\"b\"]"), contains: "scope");
        yield return PutRow("10,000 scopes", With("\"scopes\":[" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"\"s{i}\"")) + "]"), contains: "scopes");
        yield return PutRow("a 300-character scope", With("\"scopes\":[\"" + new string('s', 300) + "\"]"), contains: "scope");
        yield return PutRow("body over 256 KiB", With("\"metadata\":{\"x\":\"" + new string('x', 300_000) + "\"}"), status: 413);
        yield return PutRow("51 metadata entries", With("\"metadata\":{" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"k{i}\":\"v\"")) + "}"), contains: "metadata");
        yield return PutRow("authorizeParams overriding state", With("\"authorizeParams\":{\"state\":\"fixed\"}"), contains: "authorizeParams");
        yield return PutRow("unknown token auth method", With("\"tokenAuthMethod\":\"none\""), contains: "tokenAuthMethod");
        yield return PutRow("unknown hidden field", With("\"hidden\":[\"clientSecret\"]"), contains: "hidden");
        yield return PutRow("unknown provider", """{"provider":"nope","clientId":"c"}""", contains: "provider");
        yield return PutRow("missing endpoints", """{"clientId":"c"}""", contains: "tokenUrl");
        yield return PutRow("null scope", With("\"scopes\":[\"files.read\",null]"), contains: "\"errors\":{\"scopes\":[");
        yield return PutRow("null metadata value", With("\"metadata\":{\"customer\":null}"), contains: "\"errors\":{\"metadata\":[");
        yield return PutRow("null authorizeParams value", With("\"authorizeParams\":{\"access_type\":null}"), contains: "\"errors\":{\"authorizeParams\":[");
        yield return PutRow("null hidden field", With("\"hidden\":[null]"), contains: "\"errors\":{\"hidden\":[");
        yield return PutRow("missing clientId", """{"authorizeUrl":"https://93.184.216.34/a","tokenUrl":"https://93.184.216.34/t"}""", contains: "clientId");

        // Provider URLs
        yield return PutRow("ftp: authorize URL", """{"authorizeUrl":"ftp://93.184.216.34/a","tokenUrl":"https://93.184.216.34/t","clientId":"c"}""", contains: "ftp");
        yield return TokenUrlRow("file: token URL", "file:///etc/passwd", "file");
        yield return TokenUrlRow("user info in the URL", "https://user:pass@93.184.216.34/t", "user info");
        yield return TokenUrlRow("fragment in the URL", "https://93.184.216.34/t#frag", "fragment");
        yield return TokenUrlRow("token URL to 10.x", "https://10.0.0.1/token", "Private");
        yield return TokenUrlRow("token URL to 192.168.x", "https://192.168.1.10/token", "Private");
        yield return TokenUrlRow("token URL to 172.16.x", "https://172.16.5.4/token", "Private");
        yield return TokenUrlRow("token URL to cloud metadata", "https://169.254.169.254/latest/meta-data", "metadata");
        yield return TokenUrlRow("token URL to IPv6 unique-local", "https://[fd00::1]/token", "Private");
        yield return TokenUrlRow("token URL to multicast", "https://224.0.0.1/token", "multicast");
        yield return TokenUrlRow("http to a public host", "http://93.184.216.34/token", "https");
        yield return TokenUrlRow("a 3,000-character URL", "https://93.184.216.34/" + new string('a', 3000), "longer");
        yield return TokenUrlRow("a host that does not resolve", "https://no-such-host.invalid/token", "resolved");

        // Other endpoints' bodies and parameters
        yield return new("forceRefresh as a string", c => c.A_("POST", "/api/connections/{id}/token", """{"forceRefresh":"yes"}"""), 400);
        yield return new("returnUrl to another origin", c => c.A_("POST", "/api/connections/{id}/authorize", """{"returnUrl":"https://evil.example.net/x"}"""), 400, Contains: "returnUrl");
        yield return new("returnUrl javascript:", c => c.A_("POST", "/api/connections/{id}/authorize", """{"returnUrl":"javascript:alert(1)"}"""), 400, Contains: "returnUrl");
        yield return new("returnUrl //evil", c => c.A_("POST", "/api/connections/{id}/authorize", """{"returnUrl":"//evil.example.net/x"}"""), 400, Contains: "returnUrl");
        yield return ReturnUrlRow("returnUrl with CR LF (header injection)", "https://app.example.com/x\\r\\nSet-Cookie: a=b");
        yield return ReturnUrlRow("returnUrl with NUL", "https://app.example.com/x\\u0000");
        yield return ReturnUrlRow("returnUrl with non-ASCII", "https://app.example.com/caf\\u00e9");
        yield return ReturnUrlRow("returnUrl with a tab", "https://app.example.com/a\\tb");
        yield return ReturnUrlRow("returnUrl with a space", "https://app.example.com/a b");
        yield return ReturnUrlRow("returnUrl with DEL", "https://app.example.com/a\\u007f");
        yield return ReturnUrlRow("returnUrl over the length limit", "https://app.example.com/" + new string('a', 3000));
        yield return new("error report without a code", c => c.A_("POST", "/api/connections/{id}/errors", """{"message":"no code"}"""), 400);
        yield return new("error report with an empty code", c => c.A_("POST", "/api/connections/{id}/errors", """{"code":""}"""), 400);
        yield return ErrorReportRow("error report code with CR LF", "{\"code\":\"unauthorized\\r\\nINFO forged\"}", "code");
        yield return ErrorReportRow("error report code with an escape sequence", "{\"code\":\"x\\u001b[2J\"}", "code");
        yield return ErrorReportRow("error report code with a space", "{\"code\":\"not authorized\"}", "code");
        yield return ErrorReportRow("error report code with non-ASCII", "{\"code\":\"verweigert-f\u00fcr\"}", "code");
        yield return ErrorReportRow("error report code of 101 characters", "{\"code\":\"" + new string('c', 101) + "\"}", "code");
        yield return ErrorReportRow("error report message with CR LF", "{\"code\":\"x\",\"message\":\"401\\r\\nINFO forged line\"}", "message");
        yield return ErrorReportRow("error report message with an escape sequence", "{\"code\":\"x\",\"message\":\"\\u001b[2J cleared\"}", "message");
        yield return ErrorReportRow("error report message with NUL", "{\"code\":\"x\",\"message\":\"a\\u0000b\"}", "message");
        yield return ErrorReportRow("error report message with a tab", "{\"code\":\"x\",\"message\":\"a\\tb\"}", "message");
        yield return ErrorReportRow("error report message with a line separator", "{\"code\":\"x\",\"message\":\"a\\u2028b\"}", "message");
        yield return ErrorReportRow("error report message with a bidi override", "{\"code\":\"x\",\"message\":\"a\\u202eb\"}", "message");
        yield return ErrorReportRow("error report message of 2001 characters", "{\"code\":\"x\",\"message\":\"" + new string('m', 2001) + "\"}", "message");
        yield return new("logs limit 0", c => c.A_("GET", "/api/connections/{id}/logs?limit=0"), 400, Contains: "limit");
        yield return new("logs limit 100000", c => c.A_("GET", "/api/connections/{id}/logs?limit=100000"), 400, Contains: "limit");
        yield return new("list with an unknown status", c => c.A_("GET", "/api/connections?status=bogus"), 400, Contains: "status");
        yield return new("list with a metadata value of 1,001 characters", c => c.A_("GET", "/api/connections?metadata.customer=" + new string('v', 1001)), 400,
            Contains: "\"metadata.customer\"");
        yield return new("list with a metadata key of 101 characters", c => c.A_("GET", "/api/connections?metadata." + new string('k', 101) + "=v"), 400,
            Contains: "\"metadata." + new string('k', 101) + "\"");
        yield return new("list with a metadata key given twice", c => c.A_("GET", "/api/connections?metadata.customer=a&metadata.customer=b"), 400,
            Contains: "\"metadata.customer\"");
        yield return new("id with an encoded slash", c => c.A_("GET", "/api/connections/a%2Fb"), 400, Contains: IdError);
        yield return new("id '..' (normalized away)", c => c.A_("GET", "/api/connections/%2E%2E"), 404);
        yield return new("id of 101 characters", c => c.A_("GET", "/api/connections/" + new string('a', 101)), 400, Contains: IdError);
        yield return new("id starting with '-'", c => c.A_("GET", "/api/connections/-x"), 400, Contains: IdError);
        yield return new("token fetch with an encoded slash in the id", c => c.A_("POST", "/api/connections/a%2Fb/token"), 400, Contains: IdError);
        yield return new("token fetch with an id of 101 characters", c => c.A_("POST", "/api/connections/" + new string('a', 101) + "/token"), 400, Contains: IdError);
        yield return new("PUT to a bad id", c => c.A_("PUT", "/api/connections/bad%20id", With("")), 400, Contains: IdError);
        yield return new("logs of a bad id with a bad limit (the id is named)", c => c.A_("GET", "/api/connections/-x/logs?limit=0"), 400, Contains: IdError);
        yield return new("error report to a bad id", c => c.A_("POST", "/api/connections/bad%20id/errors", """{"code":"x"}"""), 400, Contains: IdError);
        yield return new("disconnect of a bad id", c => c.A_("POST", "/api/connections/-x/disconnect"), 400, Contains: IdError);

        // API keys and tenants
        yield return new("missing API key", c => c.Send(c.Browser, "GET", "/api/connections/{id}"), 401);
        yield return new("wrong API key", c => c.Send(c.Fixture.Client("not-a-key"), "GET", "/api/connections/{id}"), 401);
        yield return new("Basic instead of Bearer", c =>
        {
            var client = c.Fixture.Client(null);
            client.DefaultRequestHeaders.Authorization = new("Basic", ApiFixture.KeyA);
            return c.Send(client, "GET", "/api/connections/{id}");
        }, 401);
        yield return new("other tenant reads", c => c.Send(c.B, "GET", "/api/connections/{id}"), 404);
        yield return new("other tenant updates", c => c.Send(c.B, "GET", "/api/connections/{id}/logs"), 404);
        yield return new("other tenant authorizes", c => c.Send(c.B, "POST", "/api/connections/{id}/authorize"), 404);
        yield return new("other tenant fetches the token", c => c.Send(c.B, "POST", "/api/connections/{id}/token"), 404);
        yield return new("other tenant reports an error", c => c.Send(c.B, "POST", "/api/connections/{id}/errors", """{"code":"x"}"""), 404);
        yield return new("other tenant disconnects", c => c.Send(c.B, "POST", "/api/connections/{id}/disconnect"), 404);
        yield return new("other tenant deletes", c => c.Send(c.B, "DELETE", "/api/connections/{id}"), 404);

        // The callback
        yield return new("callback without state", c => c.Browser.GetAsync("/callback?code=abc"), 400, Page: true);
        yield return new("forged state", c => c.Browser.GetAsync("/callback?state=" + new string('A', 43) + "&code=abc"), 400, Page: true);
        yield return new("state sent twice", c => c.Browser.GetAsync("/callback?state=a&state=b&code=abc"), 400, Page: true);
        yield return new("replayed state", c => c.Browser.GetAsync(c.Prepared), 400, Page: true,
            Prepare: async c =>
            {
                c.Prepared = (await c.ConsentAsync()).ToString();
                Assert.Equal(HttpStatusCode.OK, (await c.Browser.GetAsync(c.Prepared)).StatusCode);
            }, Contains: "already used");
        yield return new("expired state", async c =>
        {
            c.Fixture.Time.Advance(ApiFixture.AuthorizationLifetime + TimeSpan.FromMinutes(1));
            return await c.Browser.GetAsync(c.Prepared);
        }, 400, Page: true, Prepare: async c => c.Prepared = (await c.ConsentAsync()).ToString(), Contains: "once and for 15 minutes");
        yield return new("iss of another provider (mix-up)", c => c.Browser.GetAsync(WithQuery(c.Prepared, "iss", "https://evil.example.net/")), 400, Page: true,
            Prepare: async c => c.Prepared = (await c.ConsentAsync()).ToString(), Logged: ["callback_rejected", "callback_received"], Became: "configured");
        yield return new("iss missing where advertised", c => c.Browser.GetAsync(WithQuery(c.Prepared, "iss", null)), 400, Page: true,
            Prepare: async c => c.Prepared = (await c.ConsentAsync()).ToString(), Logged: ["callback_rejected", "callback_received"], Became: "configured");
        yield return new("script in error_description", c => c.Browser.GetAsync(
                WithQuery(WithQuery(WithQuery(c.Prepared, "code", null), "error", "server_error"), "error_description", "<script>alert('x')</script>")),
            400, Page: true, Prepare: async c => c.Prepared = (await c.ConsentAsync()).ToString(),
            Logged: ["authorization_failed", "callback_received"], Became: "errored", Contains: "&lt;script&gt;", Lacks: "<script>");
        yield return new("code replayed into a new attempt", c => c.Browser.GetAsync(c.Prepared), 502, Page: true,
            Prepare: async c =>
            {
                var first = await c.ConsentAsync();
                Assert.Equal(HttpStatusCode.OK, (await c.Browser.GetAsync(first)).StatusCode);
                var second = await c.ConsentAsync();
                c.Prepared = WithQuery(second.ToString(), "code", QueryHelpers.ParseQuery(first.Query)["code"]);
            }, Logged: ["token_exchange_failed", "callback_received"], Became: "errored", Contains: "invalid_grant");
        yield return new("token endpoint that redirects", c => c.Browser.GetAsync(c.Prepared), 502, Page: true,
            Prepare: async c =>
            {
                await Reconfigure(c, c.Odd.RedirectingTokenUrl(c.Fixture.Sandbox.TokenUrl));
                c.Prepared = (await c.ConsentAsync()).ToString();
            }, Logged: ["token_exchange_failed", "callback_received"], Became: "errored", Contains: "http_302");
        yield return new("oversized token response", c => c.Browser.GetAsync(c.Prepared), 502, Page: true,
            Prepare: async c =>
            {
                await Reconfigure(c, c.Odd.OversizedTokenUrl);
                c.Prepared = (await c.ConsentAsync()).ToString();
            }, Logged: ["token_exchange_failed", "callback_received"], Became: "errored", Contains: "response_too_large");
    }

    [Fact]
    public void The_suite_has_at_least_forty_rows() => Assert.True(AllRows().Count() >= 40);

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Hostile_input_is_refused_and_changes_nothing_unexpected(Row row)
    {
        var id = ApiFixture.NewId();
        using var a = fixture.Client(ApiFixture.KeyA);
        using var b = fixture.Client(ApiFixture.KeyB);
        using var browser = fixture.Client(null);
        var context = new Context(fixture, _odd, id, a, b, browser);
        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(a, id)).StatusCode);
        if (row.Prepare is not null)
        {
            await row.Prepare(context);
        }

        var before = await Snapshot(a, id);

        var response = await row.Act(context);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(row.Status == (int)response.StatusCode, $"{row.Name}: expected {row.Status}, got {(int)response.StatusCode}: {body}");
        if (row.Page)
        {
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<h1>", body);
            Assert.Contains("frame-ancestors 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }
        else
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal(row.Status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        }

        if (row.Contains is not null)
        {
            Assert.Contains(row.Contains, body);
        }

        if (row.Lacks is not null)
        {
            Assert.DoesNotContain(row.Lacks, body);
        }

        var after = await Snapshot(a, id);
        if (row.Logged is null)
        {
            Assert.Equal(before.View, after.View);
            Assert.Equal(before.Log, after.Log);
        }
        else
        {
            Assert.Equal([.. row.Logged, .. before.Log], after.Log);
            Assert.Equal(row.Became, JsonDocument.Parse(after.View).RootElement.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task A_state_issued_for_tenant_a_cannot_complete_tenant_b_connection_with_the_same_id()
    {
        var id = ApiFixture.NewId();
        using var a = fixture.Client(ApiFixture.KeyA);
        using var b = fixture.Client(ApiFixture.KeyB);
        (await a.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        (await b.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        var startB = await (await b.PostAsync($"/api/connections/{id}/authorize", null)).Content.ReadFromJsonAsync<JsonElement>();
        var startA = await (await a.PostAsync($"/api/connections/{id}/authorize", null)).Content.ReadFromJsonAsync<JsonElement>();
        var locationA = await RunningSandbox.ConsentAsync(startA.GetProperty("authorizationUrl").GetString()!, approve: true);
        var beforeB = await Snapshot(b, id);

        using var browser = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(locationA)).StatusCode);

        Assert.Equal("configured", (await a.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("status").GetString());
        Assert.Equivalent(beforeB, await Snapshot(b, id), strict: true);
        Assert.NotEqual(
            QueryHelpers.ParseQuery(new Uri(startA.GetProperty("authorizationUrl").GetString()!).Query)["state"],
            QueryHelpers.ParseQuery(new Uri(startB.GetProperty("authorizationUrl").GetString()!).Query)["state"]);
    }

    [Fact]
    public async Task A_state_is_bound_to_its_connection_and_a_code_for_another_fails_at_the_provider()
    {
        using var a = fixture.Client(ApiFixture.KeyA);
        var (x, y) = (ApiFixture.NewId(), ApiFixture.NewId());
        (await a.PutAsJsonAsync($"/api/connections/{x}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        (await a.PutAsJsonAsync($"/api/connections/{y}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        var startX = await (await a.PostAsync($"/api/connections/{x}/authorize", null)).Content.ReadFromJsonAsync<JsonElement>();
        var startY = await (await a.PostAsync($"/api/connections/{y}/authorize", null)).Content.ReadFromJsonAsync<JsonElement>();
        var locationX = await RunningSandbox.ConsentAsync(startX.GetProperty("authorizationUrl").GetString()!, approve: true);
        var locationY = await RunningSandbox.ConsentAsync(startY.GetProperty("authorizationUrl").GetString()!, approve: true);
        var beforeY = await Snapshot(a, y);

        // The state of X carrying the code issued for Y: X's PKCE verifier does not match Y's challenge.
        using var browser = new HttpClient();
        var crossed = await browser.GetAsync(WithQuery(locationX.ToString(), "code", QueryHelpers.ParseQuery(locationY.Query)["code"]));

        Assert.Equal(HttpStatusCode.BadGateway, crossed.StatusCode);
        Assert.Equivalent(beforeY, await Snapshot(a, y), strict: true);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(locationY)).StatusCode);
    }

    private static async Task Reconfigure(Context c, string tokenUrl)
    {
        var settings = new
        {
            authorizeUrl = c.Fixture.Sandbox.AuthorizeUrl,
            tokenUrl,
            clientId = RunningSandbox.ClientId,
            clientSecret = RunningSandbox.ClientSecret,
            scopes = new[] { "files.read", "offline_access" },
        };
        (await c.A.PutAsJsonAsync($"/api/connections/{c.Id}", settings)).EnsureSuccessStatusCode();
    }

    private static string WithQuery(string url, string name, string? value)
    {
        var uri = new Uri(url);
        var query = QueryHelpers.ParseQuery(uri.Query).Where(p => p.Key != name).SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v)));
        if (value is not null)
        {
            query = query.Append(KeyValuePair.Create(name, (string?)value));
        }

        return QueryHelpers.AddQueryString(uri.GetLeftPart(UriPartial.Path), query);
    }

    private static async Task<(string View, List<string> Log)> Snapshot(HttpClient client, string id)
    {
        var view = await client.GetStringAsync($"/api/connections/{id}");
        var logs = await client.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs?limit=200");
        return (view, logs.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event").GetString()!).ToList());
    }

    public async Task InitializeAsync() => _odd = await OddProvider.StartAsync();

    public async Task DisposeAsync() => await _odd.DisposeAsync();
}
