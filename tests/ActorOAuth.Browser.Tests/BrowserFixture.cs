using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Api;
using ActorOAuth.Grains;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;

namespace ActorOAuth.Browser.Tests;

/// <summary>
/// The real API on Kestrel (embedded default) and the real sandbox provider on loopback, and one headless Chromium
/// (Debian's, never a downloaded build) for every test of the collection.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string KeyA = "browser-key-a";
    public const string KeyB = "browser-key-b";
    public const string KeyEmbed = "browser-key-embed";
    public const string BrandName = "Acme Files";
    public const string VendorApp = "https://app.example.com";
    public const string Embedder = "https://portal.vendor.example";

    /// <summary>Where Playwright finds the browser: <c>ACTOROAUTH_CHROMIUM</c>, or Debian's package.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("ACTOROAUTH_CHROMIUM") ?? "/usr/bin/chromium";

    private static int _next;
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;

    public string BaseUrl { get; private set; } = "";

    public RunningSandbox Sandbox { get; private set; } = null!;

    public HeldTokenEndpoint SlowProvider { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Grain and API time: sessions and attempts expire when a test moves it.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public SharedGrainStorage.Database Storage { get; } = new();

    /// <summary>Where screenshots go: <c>TestResults/screenshots</c> at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    /// <summary>Where the traces of failed journeys go: <c>TestResults/traces</c> at the repository root.</summary>
    public static string TraceDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "traces");

    public static string NewId(string suffix = "sandbox") => $"b{Environment.ProcessId}-{Interlocked.Increment(ref _next)}.{suffix}";

    public async Task InitializeAsync()
    {
        var port = RunningSandbox.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        Sandbox = await RunningSandbox.StartAsync([BaseUrl + "/callback"]);
        SlowProvider = await HeldTokenEndpoint.StartAsync(Sandbox.TokenUrl);
        _app = ActorOAuthApp.Build(
        [
            "--environment=Development",
            $"--urls={BaseUrl}",
            $"--ActorOAuth:PublicBaseUrl={BaseUrl}",
            "--ActorOAuth:Sandbox:Enabled=false",
            $"--ActorOAuth:ApiKeys:{KeyA}=tenant-a",
            $"--ActorOAuth:ApiKeys:{KeyB}=tenant-b",
            $"--ActorOAuth:ApiKeys:{KeyEmbed}=tenant-embed",
            $"--ActorOAuth:Tenants:tenant-a:ReturnUrlOrigins:0={VendorApp}",
            $"--ActorOAuth:Tenants:tenant-a:Branding:DisplayName={BrandName}",
            "--ActorOAuth:Tenants:tenant-a:Branding:AccentColor=#0f5132",
            $"--ActorOAuth:Tenants:tenant-embed:FrameAncestors:0={Embedder}",
            "--ActorOAuth:Providers:sandbox:Name=Sandbox",
            $"--ActorOAuth:Providers:sandbox:AuthorizeUrl={Sandbox.AuthorizeUrl}",
            $"--ActorOAuth:Providers:sandbox:TokenUrl={Sandbox.TokenUrl}",
            $"--ActorOAuth:Providers:sandbox:RevokeUrl={Sandbox.RevokeUrl}",
            $"--ActorOAuth:Providers:sandbox:Issuer={Sandbox.BaseUrl}/",
            $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
            $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
        ], builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(Time);
            builder.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            builder.Services.AddGrainStorage(GrainStorage.Name, (services, _) => ActivatorUtilities.CreateInstance<SharedGrainStorage>(services, Storage));
        });
        await _app.StartAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root (CI) needs --no-sandbox; the machine has no network beyond loopback, so nothing may phone home.
            Args =
            [
                "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage",
            ],
        });
    }

    /// <summary>A fresh browser context (its own cookies) and page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = 900 } });
        // Generous: the suite runs its projects side by side on two cores, and a consent round trip (browser, sandbox
        // process, callback, code exchange) once took longer than 30 s there while cluster tests stopped silos.
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Runs <paramref name="journey"/> on a fresh page with a Playwright trace recording (network, DOM snapshots);
    /// when it fails, the trace is kept as <c>TestResults/traces/{name}.zip</c> (<c>playwright show-trace</c>).
    /// </summary>
    public async Task TracedAsync(string name, Func<IPage, Task> journey)
    {
        var page = await NewPageAsync();
        await page.Context.Tracing.StartAsync(new TracingStartOptions { Snapshots = true, Sources = false, Title = name });
        try
        {
            await journey(page);
        }
        catch
        {
            Directory.CreateDirectory(TraceDirectory);
            await page.Context.Tracing.StopAsync(new TracingStopOptions { Path = Path.Combine(TraceDirectory, name + ".zip") });
            throw;
        }

        await page.Context.Tracing.StopAsync();
    }

    /// <summary>An API client for a tenant (none when <paramref name="apiKey"/> is null). Never follows redirects.</summary>
    public HttpClient Client(string? apiKey = KeyA)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(BaseUrl) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>A connection to the sandbox; <paramref name="tokenUrl"/> replaces its token endpoint (the slow one).</summary>
    public async Task CreateAsync(HttpClient api, string id, string? tokenUrl = null)
    {
        var response = await api.PutAsJsonAsync($"/api/connections/{id}", new
        {
            provider = "sandbox",
            clientId = RunningSandbox.ClientId,
            clientSecret = RunningSandbox.ClientSecret,
            scopes = new[] { "files.read", "offline_access" },
            tokenUrl,
            metadata = new Dictionary<string, string> { ["customer"] = "acme" },
        });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A connection without a catalog provider (its own URLs): the page names it by its authorize URL's host.</summary>
    public async Task CreateCustomAsync(HttpClient api, string id)
    {
        var response = await api.PutAsJsonAsync($"/api/connections/{id}", new
        {
            authorizeUrl = Sandbox.AuthorizeUrl,
            tokenUrl = Sandbox.TokenUrl,
            revokeUrl = Sandbox.RevokeUrl,
            clientId = RunningSandbox.ClientId,
            clientSecret = RunningSandbox.ClientSecret,
            scopes = new[] { "files.read", "offline_access" },
            hidden = new[] { "clientId" },
        });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Mints a session; returns token and URL.</summary>
    public async Task<(string Token, string Url)> MintAsync(HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/connect-sessions", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var minted = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (minted.GetProperty("token").GetString()!, minted.GetProperty("url").GetString()!);
    }

    public static async Task<string> StatusAsync(HttpClient api, string id) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("status").GetString()!;

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await SlowProvider.DisposeAsync();
        await Sandbox.DisposeAsync();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorOAuth.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
