using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Grains;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;
using Microsoft.AspNetCore.Builder;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// The real API on Kestrel (embedded default: one co-hosted silo) and the real sandbox provider,
/// each on its own loopback port, talking over HTTP.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string KeyA = "key-tenant-a";
    public const string KeyB = "key-tenant-b";
    public const string KeyC = "key-tenant-c";

    /// <summary>Not the default (10 minutes), so pages show that they state the configured one.</summary>
    public static readonly TimeSpan AuthorizationLifetime = TimeSpan.FromMinutes(15);
    private static int _next;
    private WebApplication _app = null!;

    public string BaseUrl { get; private set; } = "";

    public RunningSandbox Sandbox { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Every log line the API and its silo wrote.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>The co-hosted silo's grain storage, which a test can make fail.</summary>
    public SharedGrainStorage.Database Storage { get; } = new();

    /// <summary>Every call the grains made to a provider, with what was sent and answered.</summary>
    public ProviderCallLog ProviderCalls { get; } = new();

    public static JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>Every call the co-hosted silo's grains received.</summary>
    public GrainCallCounter GrainCalls { get; } = new();

    /// <summary>The API's (and its silo's) services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The co-hosted silo's grains, for what a test must set up behind the API's back.</summary>
    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public static string NewId() => $"api-{Interlocked.Increment(ref _next)}.sandbox";

    public async Task InitializeAsync()
    {
        var port = RunningSandbox.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        Sandbox = await RunningSandbox.StartAsync([BaseUrl + "/callback"]);
        _app = ActorOAuthApp.Build(
        [
            "--environment=Development",
            $"--urls={BaseUrl}",
            $"--ActorOAuth:PublicBaseUrl={BaseUrl}",
            "--ActorOAuth:Sandbox:Enabled=false",
            $"--ActorOAuth:ApiKeys:{KeyA}=tenant-a",
            $"--ActorOAuth:ApiKeys:{KeyB}=tenant-b",
            $"--ActorOAuth:ApiKeys:{KeyC}=tenant-c",
            "--ActorOAuth:Tenants:tenant-c:CustomDomain=acme.example",
            "--ActorOAuth:Tenants:tenant-a:ReturnUrlOrigins:0=https://app.example.com",
            $"--ActorOAuth:Connections:AuthorizationLifetime={AuthorizationLifetime}",
            $"--ActorOAuth:Providers:sandbox:AuthorizeUrl={Sandbox.AuthorizeUrl}",
            $"--ActorOAuth:Providers:sandbox:TokenUrl={Sandbox.TokenUrl}",
            $"--ActorOAuth:Providers:sandbox:RevokeUrl={Sandbox.RevokeUrl}",
            $"--ActorOAuth:Providers:sandbox:Issuer={Sandbox.BaseUrl}/",
            $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
            $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
        ], builder =>
        {
            builder.Logging.AddProvider(Logs);
            // Grain time is simulated so attempts can expire; the silo's own loops stay on the real clock.
            builder.Services.AddSingleton<TimeProvider>(Time);
            builder.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            builder.Services.AddHttpClient(ProviderClient.HttpClientName).AddHttpMessageHandler(() => ProviderCalls.CreateHandler(TimeProvider.System));
            // In place of the in-memory storage: the same behaviour (ETags checked), plus failures on demand.
            builder.Services.AddGrainStorage(GrainStorage.Name, (services, _) => ActivatorUtilities.CreateInstance<SharedGrainStorage>(services, Storage));
            builder.Services.AddSingleton<IIncomingGrainCallFilter>(GrainCalls);
        });
        await _app.StartAsync();
    }

    /// <summary>An API client for a tenant (no key when <paramref name="apiKey"/> is null). Never follows redirects.</summary>
    public HttpClient Client(string? apiKey = KeyA)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public object SandboxSettings(bool pkce = true) => new
    {
        provider = "sandbox",
        clientId = RunningSandbox.ClientId,
        clientSecret = RunningSandbox.ClientSecret,
        scopes = new[] { "files.read", "offline_access" },
        pkce,
    };

    /// <summary>PUT, authorize, approve at the sandbox, follow the redirect to /callback. Returns the callback response.</summary>
    public async Task<HttpResponseMessage> ConnectAsync(HttpClient api, string id, bool approve = true, object? settings = null)
    {
        (await api.PutAsJsonAsync($"/api/connections/{id}", settings ?? SandboxSettings())).EnsureSuccessStatusCode();
        var authorize = await api.PostAsJsonAsync($"/api/connections/{id}/authorize", new { });
        authorize.EnsureSuccessStatusCode();
        var url = (await authorize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
        var callback = await RunningSandbox.ConsentAsync(url, approve);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        return await browser.GetAsync(callback);
    }

    /// <summary>How many <c>used</c> entries the connection's log shows.</summary>
    public static async Task<int> UsedEntriesAsync(HttpClient api, string id) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs?limit=200")).GetProperty("items").EnumerateArray()
        .Count(e => e.GetProperty("event").GetString() == "used");

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Sandbox.DisposeAsync();
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ActorOAuthApp.ConfigureJson(options);
        return options;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
