using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;

namespace ActorOAuth.Api.Tests;

/// <summary>The embedded API with the Prometheus endpoint and the Orleans Dashboard turned on, behind an admin key.</summary>
public sealed class TelemetryApiFixture : IAsyncLifetime
{
    public const string AdminKey = "operator-key-7f3a";
    public const string ApiKey = "key-tenant-telemetry";
    private WebApplication _app = null!;

    public string BaseUrl { get; private set; } = "";

    public RunningSandbox Sandbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        BaseUrl = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        Sandbox = await RunningSandbox.StartAsync([BaseUrl + "/callback"]);
        _app = ActorOAuthApp.Build(
        [
            "--environment=Development",
            $"--urls={BaseUrl}",
            $"--ActorOAuth:PublicBaseUrl={BaseUrl}",
            "--ActorOAuth:Sandbox:Enabled=false",
            $"--ActorOAuth:ApiKeys:{ApiKey}=tenant-telemetry",
            "--ActorOAuth:Telemetry:Prometheus=true",
            "--ActorOAuth:Telemetry:Dashboard=true",
            $"--ActorOAuth:Telemetry:AdminKeyHashes:0={ApiKeyRing.HashOf(AdminKey)}",
            $"--ActorOAuth:Providers:sandbox:AuthorizeUrl={Sandbox.AuthorizeUrl}",
            $"--ActorOAuth:Providers:sandbox:TokenUrl={Sandbox.TokenUrl}",
            $"--ActorOAuth:Providers:sandbox:RevokeUrl={Sandbox.RevokeUrl}",
            $"--ActorOAuth:Providers:sandbox:Issuer={Sandbox.BaseUrl}/",
            $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
            $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
    }

    public HttpClient Client(AuthenticationHeaderValue? authorization)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    public static AuthenticationHeaderValue Basic(string password) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + password)));

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Sandbox.DisposeAsync();
    }
}

public sealed class TelemetryApiTests(TelemetryApiFixture fixture) : IClassFixture<TelemetryApiFixture>
{
    public static TheoryData<string> OperatorPaths => ["/metrics", "/dashboard/", "/dashboard/DashboardCounters"];

    [Theory]
    [MemberData(nameof(OperatorPaths))]
    public async Task Operator_endpoints_refuse_requests_without_the_admin_key(string path)
    {
        foreach (var authorization in new AuthenticationHeaderValue?[]
        {
            null, new("Bearer", "wrong-key"), new("Bearer", TelemetryApiFixture.ApiKey), TelemetryApiFixture.Basic("wrong-key"), new("Basic", "not base64"),
        })
        {
            using var client = fixture.Client(authorization);
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        }
    }

    [Fact]
    public async Task Metrics_with_the_admin_key_show_the_ActorOAuth_instruments_in_Prometheus_form()
    {
        using var api = fixture.Client(new AuthenticationHeaderValue("Bearer", TelemetryApiFixture.ApiKey));
        var put = await api.PutAsJsonAsync("/api/connections/telemetry-1", new
        {
            provider = "sandbox", clientId = RunningSandbox.ClientId, clientSecret = RunningSandbox.ClientSecret, scopes = new[] { "files.read", "offline_access" },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var authorize = await (await api.PostAsJsonAsync("/api/connections/telemetry-1/authorize", new { })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var callback = await RunningSandbox.ConsentAsync(authorize.GetProperty("authorizationUrl").GetString()!, approve: true);
        using (var browser = new HttpClient())
        {
            var page = await browser.GetAsync(callback);
            Assert.True(page.IsSuccessStatusCode, await page.Content.ReadAsStringAsync());
        }

        var token = await (await api.PostAsJsonAsync("/api/connections/telemetry-1/token", new { })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        using var scraper = fixture.Client(new AuthenticationHeaderValue("Bearer", TelemetryApiFixture.AdminKey));
        var text = "";
        await ClusterWithSandbox.Eventually(async () => (text = await scraper.GetStringAsync("/metrics")).Contains("actoroauth_authorizations_total{", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "a scrape shows the authorization");
        Assert.Contains("provider=\"sandbox\"", text);
        Assert.Contains("actoroauth_token_handouts_total", text);
        Assert.Contains("actoroauth_provider_call_duration_seconds_bucket", text);
        Assert.Contains("actoroauth_connections_active", text);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.DoesNotContain(RunningSandbox.ClientSecret, text);
        Assert.DoesNotContain(token.GetProperty("accessToken").GetString()!, text);
        Assert.DoesNotContain(callback.Query, text);
    }

    [Fact]
    public async Task The_dashboard_with_the_admin_key_serves_its_page_and_counters_but_never_a_grains_state()
    {
        using var browser = fixture.Client(TelemetryApiFixture.Basic(TelemetryApiFixture.AdminKey));

        var page = await browser.GetAsync("/dashboard/");
        var counters = await browser.GetAsync("/dashboard/DashboardCounters");
        var state = await browser.GetAsync("/dashboard/GrainState?grainId=tenant-telemetry/telemetry-1&grainType=ActorOAuth.Grains.ConnectionGrain");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType?.ToString());
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, state.StatusCode);
    }
}
