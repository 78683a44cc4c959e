using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ActorOAuth.Api.Tests;

/// <summary>Bad input on every endpoint: a problem-details 4xx, and nothing changes.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(ApiFixture fixture)
{
    public static TheoryData<string, string, string?, int> Cases => new()
    {
        { "PUT", "/api/connections/{id}", "{not json", 400 },
        { "PUT", "/api/connections/{id}", "[]", 400 },
        { "PUT", "/api/connections/{id}", """{"provider":"sandbox","clientId":"c","unknownField":1}""", 400 },
        { "PUT", "/api/connections/{id}", """{"provider":"sandbox","clientId":"c","clientId":"d"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"provider":"sandbox","clientId":"c","scopes":["has space"]}""", 400 },
        { "PUT", "/api/connections/{id}", """{"authorizeUrl":"ftp://x.example.com/a","tokenUrl":"https://x.example.com/t","clientId":"c"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"authorizeUrl":"https://u:p@x.example.com/a","tokenUrl":"https://x.example.com/t","clientId":"c"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"authorizeUrl":"https://x.example.com/a","tokenUrl":"https://169.254.169.254/t","clientId":"c"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"authorizeUrl":"https://x.example.com/a","tokenUrl":"https://10.0.0.1/t","clientId":"c"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"authorizeUrl":"https://x.example.com/a#f","tokenUrl":"https://x.example.com/t","clientId":"c"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"provider":"sandbox","clientId":"c","tokenAuthMethod":"private_key_jwt"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"provider":"nope","clientId":"c"}""", 400 },
        { "PUT", "/api/connections/{id}", """{"provider":"sandbox"}""", 400 },
        { "POST", "/api/connections/{id}/token", """{"forceRefresh":"yes"}""", 400 },
        { "POST", "/api/connections/{id}/authorize", """{"returnUrl":"javascript:alert(1)"}""", 400 },
        { "POST", "/api/connections/{id}/authorize", """{"returnUrl":"//evil.example.net"}""", 400 },
        { "POST", "/api/connections/{id}/errors", """{"code":""}""", 400 },
        { "POST", "/api/connections/{id}/errors", """{"message":"no code"}""", 400 },
        { "GET", "/api/connections/{id}/logs?limit=0", null, 400 },
        { "GET", "/api/connections?status=bogus", null, 400 },
        { "GET", "/api/connections/%2E%2E", null, 404 }, // dot segments are normalized away before routing
        { "GET", "/api/connections/a%2Fb", null, 400 },
        { "GET", "/api/connections/-starts-with-dash", null, 400 },
        { "GET", "/api/connections/" + new string('a', 101), null, 400 },
        { "GET", "/api/connections/unknown-connection", null, 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_problem_and_changes_nothing(string method, string path, string? body, int status)
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        var before = await api.GetStringAsync($"/api/connections/{id}");
        var logsBefore = await api.GetStringAsync($"/api/connections/{id}/logs");

        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", id));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await api.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal(before, await api.GetStringAsync($"/api/connections/{id}"));
        Assert.Equal(logsBefore, await api.GetStringAsync($"/api/connections/{id}/logs"));
    }

    [Fact]
    public async Task An_unknown_property_is_named_in_the_problem()
    {
        using var api = fixture.Client();
        var response = await api.PutAsync($"/api/connections/{ApiFixture.NewId()}",
            new StringContent("""{"provider":"sandbox","clientId":"c","surprise":true}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("surprise", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task Missing_or_unknown_api_keys_get_401(string? key)
    {
        using var api = fixture.Client(key);
        var response = await api.GetAsync("/api/connections");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Tenant_b_cannot_see_or_touch_tenant_a_connection_with_the_same_id()
    {
        using var a = fixture.Client(ApiFixture.KeyA);
        using var b = fixture.Client(ApiFixture.KeyB);
        var id = ApiFixture.NewId();
        await fixture.ConnectAsync(a, id);
        var before = await a.GetStringAsync($"/api/connections/{id}");

        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/connections/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"/api/connections/{id}/token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"/api/connections/{id}/authorize", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"/api/connections/{id}/disconnect", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/connections/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/connections/{id}/logs")).StatusCode);
        Assert.DoesNotContain(id, await b.GetStringAsync("/api/connections?limit=200"));
        Assert.Equal(before, await a.GetStringAsync($"/api/connections/{id}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?state=forged-state&code=abc")]
    [InlineData("?error=access_denied")]
    public async Task A_callback_without_a_known_state_shows_a_400_page(string query)
    {
        using var browser = fixture.Client(apiKey: null);
        var response = await browser.GetAsync("/callback" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>", await response.Content.ReadAsStringAsync());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }
}
