using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;

namespace ActorOAuth.Api.Tests;

/// <summary>The API with Production settings: loopback providers refused, hashed keys, tight rate limits.</summary>
public sealed class ProductionApiFixture : IAsyncLifetime
{
    public const string PlainKey = "plain-key-tenant-p";
    public const string HashedKey = "hashed-key-tenant-p-2f9c1d";
    public const string LimitedKey = "key-tenant-limited";
    private WebApplication _app = null!;

    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        BaseUrl = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        _app = ActorOAuthApp.Build(
        [
            "--environment=Production",
            $"--urls={BaseUrl}",
            $"--ActorOAuth:PublicBaseUrl={BaseUrl}",
            $"--ActorOAuth:ApiKeys:{PlainKey}=tenant-p",
            $"--ActorOAuth:ApiKeyHashes:{ApiKeyRing.HashOf(HashedKey)}=tenant-p",
            $"--ActorOAuth:ApiKeys:{LimitedKey}=tenant-limited",
            "--ActorOAuth:Region=eu-west-1",
            "--ActorOAuth:Regions:eu-west-1:PublicBaseUrl=https://eu-west-1.oauth.example.com",
            "--ActorOAuth:RateLimits:TenantRequestsPerSecond=1",
            "--ActorOAuth:RateLimits:TenantBurst=30",
            "--ActorOAuth:RateLimits:CallbackRequestsPerMinute=3",
            $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
            $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed class ProductionSettingsTests(ProductionApiFixture fixture) : IClassFixture<ProductionApiFixture>
{
    public static TheoryData<string> LoopbackTokenUrls => new()
    {
        "https://127.0.0.1/token",
        "https://127.0.0.2:8443/token",
        "https://[::1]/token",
        "https://localhost/token",
        $"https://{LoopbackHostName()}/token",
    };

    [Theory]
    [MemberData(nameof(LoopbackTokenUrls))]
    public async Task Loopback_provider_urls_are_refused_outside_development(string tokenUrl)
    {
        using var api = fixture.Client(ProductionApiFixture.PlainKey);
        var id = "prod-" + Guid.NewGuid().ToString("N");

        var response = await api.PutAsync($"/api/connections/{id}", Json(new { authorizeUrl = "https://93.184.216.34/authorize", tokenUrl, clientId = "c" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("oopback", problem.GetProperty("errors").GetProperty("tokenUrl")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/connections/{id}")).StatusCode);
    }

    [Fact]
    public async Task Plain_http_provider_urls_are_refused_outside_development()
    {
        using var api = fixture.Client(ProductionApiFixture.PlainKey);
        var response = await api.PutAsync("/api/connections/prod-http", Json(new { authorizeUrl = "http://93.184.216.34/authorize", tokenUrl = "https://93.184.216.34/t", clientId = "c" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("https", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_hashed_key_and_a_plain_key_both_sign_in_their_tenant()
    {
        using var hashed = fixture.Client(ProductionApiFixture.HashedKey);
        using var plain = fixture.Client(ProductionApiFixture.PlainKey);
        using var unknown = fixture.Client(ApiKeyRing.HashOf(ProductionApiFixture.HashedKey));
        var id = "prod-" + Guid.NewGuid().ToString("N");

        Assert.Equal(HttpStatusCode.Created, (await hashed.PutAsync($"/api/connections/{id}", Json(new { authorizeUrl = "https://93.184.216.34/a", tokenUrl = "https://93.184.216.34/t", clientId = "c" }))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync($"/api/connections/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await unknown.GetAsync($"/api/connections/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_callback_url_is_the_regions()
    {
        using var api = fixture.Client(ProductionApiFixture.PlainKey);
        var body = await api.GetFromJsonAsync<JsonElement>("/api/callback-url");
        Assert.Equal("https://eu-west-1.oauth.example.com/callback", body.GetProperty("callbackUrl").GetString());
    }

    [Fact]
    public async Task A_tenant_over_its_rate_gets_429_with_retry_after()
    {
        using var api = fixture.Client(ProductionApiFixture.LimitedKey);

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => api.GetAsync("/api/callback-url")));

        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(refused, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal("application/problem+json", refused[0].Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_callback_is_rate_limited_per_client_address()
    {
        using var browser = fixture.Client(null);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await browser.GetAsync("/callback?state=forged&code=x")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>A host name (not "localhost") that this machine resolves to a loopback address.</summary>
    private static string LoopbackHostName()
    {
        var candidates = File.ReadAllLines("/etc/hosts")
            .Select(l => l.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 1 && IPAddress.TryParse(f[0], out var a) && IPAddress.IsLoopback(a))
            .SelectMany(f => f.Skip(1))
            .Prepend(Dns.GetHostName())
            .Where(name => !name.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !name.Contains(':'));
        return candidates.First(name =>
        {
            try
            {
                return Dns.GetHostAddresses(name).Any(IPAddress.IsLoopback);
            }
            catch (SocketException)
            {
                return false;
            }
        });
    }
}
