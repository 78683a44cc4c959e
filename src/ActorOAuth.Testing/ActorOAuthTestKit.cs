using ActorOAuth.Abstractions;
using ActorOAuth.Api;
using ActorOAuth.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using ClientSettings = ActorOAuth.Client.ConnectionSettings;
using ClientView = ActorOAuth.Client.ConnectionView;

namespace ActorOAuth.Testing;

/// <summary>
/// ActorOAuth for a vendor's own tests, in process: an Orleans test cluster hosting the real grains with in-memory
/// storage and reminders, a fake clock for grain and reminder time (<see cref="Time"/>), the real sandbox OAuth 2.0
/// provider on loopback, and the real ActorOAuth API on loopback in front of the cluster (<see cref="ApiUrl"/>,
/// <see cref="ApiKey"/>), which code using <c>ActorOAuth.Client</c> talks to. Helpers take a connection through
/// consent without a browser, revoke or fail what the provider issued, and move time past a token's expiry.
/// </summary>
/// <example><code>
/// await using var kit = await ActorOAuthTestKit.StartAsync();
/// await kit.ConnectAsync("acme-42.sandbox");
/// var services = new ServiceCollection();
/// services.AddActorOAuthClient(kit.ConfigureClient);
/// services.AddHttpClient("files", c => c.BaseAddress = new Uri(thirdParty.BaseUrl)).AddConnectionToken("acme-42.sandbox");
/// </code></example>
public sealed class ActorOAuthTestKit : IAsyncDisposable
{
    private readonly ActorOAuthTestKitOptions _options;
    private readonly KitCluster _cluster;
    private readonly string _contentRoot = Path.Combine(Path.GetTempPath(), "actoroauth-testkit-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _api;
    private ServiceProvider? _clientServices;

    private ActorOAuthTestKit(ActorOAuthTestKitOptions options, string apiUrl)
    {
        _options = options;
        ApiUrl = new Uri(apiUrl);
        _cluster = new KitCluster(options, apiUrl + "/callback");
    }

    /// <summary>The API's base address on loopback, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri ApiUrl { get; }

    /// <summary>The API key of <see cref="Tenant"/>.</summary>
    public string ApiKey => _options.ApiKey;

    /// <summary>The tenant every connection of the kit's API key belongs to.</summary>
    public string Tenant => _options.Tenant;

    /// <summary>
    /// Grain and reminder time. It only moves when a test moves it (<see cref="FakeTimeProvider.Advance"/>,
    /// <see cref="AdvancePastExpiryAsync"/>); register it as the <see cref="TimeProvider"/> of the code under test so
    /// its token cache sees the same clock.
    /// </summary>
    public FakeTimeProvider Time => _cluster.Time;

    /// <summary>The sandbox OAuth 2.0 provider the connections authorize at.</summary>
    public RunningSandbox Sandbox => _cluster.Sandbox;

    /// <summary>The in-process Orleans test cluster hosting the grains.</summary>
    public InProcessTestCluster Cluster => _cluster.Cluster;

    /// <summary>Every call the grains made to the provider's token endpoint.</summary>
    public ProviderCallLog ProviderCalls => _cluster.ProviderCalls;

    /// <summary>A client of the kit's API as <see cref="Tenant"/>, for a test's own set-up and checks.</summary>
    public IActorOAuthClient Client => _clientServices!.GetRequiredService<IActorOAuthClient>();

    /// <summary>Settings of a connection to the sandbox (the catalog's <c>sandbox</c> provider, its client, <c>files.read offline_access</c>).</summary>
    public static ClientSettings SandboxSettings { get; } = new()
    {
        Provider = "sandbox",
        ClientId = RunningSandbox.ClientId,
        ClientSecret = RunningSandbox.ClientSecret,
        Scopes = ["files.read", "offline_access"],
    };

    /// <summary>Starts the cluster, the sandbox and the API; dispose the kit to stop them.</summary>
    public static async Task<ActorOAuthTestKit> StartAsync(ActorOAuthTestKitOptions? options = null)
    {
        var kit = new ActorOAuthTestKit(options ?? new ActorOAuthTestKitOptions(), $"http://127.0.0.1:{RunningSandbox.FreePort()}");
        try
        {
            await kit.StartCoreAsync();
            return kit;
        }
        catch
        {
            await kit.DisposeAsync();
            throw;
        }
    }

    /// <summary>Points an <c>ActorOAuth.Client</c> at the kit's API: <c>services.AddActorOAuthClient(kit.ConfigureClient)</c>.</summary>
    public void ConfigureClient(ActorOAuthClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.BaseAddress = ApiUrl;
        options.ApiKey = ApiKey;
    }

    /// <summary>
    /// Creates the connection (with <paramref name="settings"/>, default <see cref="SandboxSettings"/>) and takes it
    /// through consent without a browser: authorize, approve at the sandbox, follow the redirect to the API's
    /// <c>/callback</c>. Returns the connection, now <c>configured</c>.
    /// </summary>
    public async Task<ClientView> ConnectAsync(string connectionId, ClientSettings? settings = null, CancellationToken cancellationToken = default)
    {
        await Client.Connections.PutAsync(connectionId, settings ?? SandboxSettings, cancellationToken);
        await CompleteConsentAsync(connectionId, approve: true, cancellationToken);
        return await Client.Connections.GetAsync(connectionId, cancellationToken);
    }

    /// <summary>
    /// Starts an authorization of an existing connection and answers the sandbox's consent page like a customer
    /// (Approve or Deny), then lets the browser land on the callback. Returns the status the callback page answered.
    /// </summary>
    public async Task<int> CompleteConsentAsync(string connectionId, bool approve, CancellationToken cancellationToken = default)
    {
        var start = await Client.Connections.AuthorizeAsync(connectionId, cancellationToken: cancellationToken);
        var callback = await RunningSandbox.ConsentAsync(start.AuthorizationUrl, approve);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var page = await browser.GetAsync(callback, cancellationToken);
        if (approve && (int)page.StatusCode is not (200 or 302))
        {
            throw new InvalidOperationException($"The callback answered {(int)page.StatusCode}: {await page.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (int)page.StatusCode;
    }

    /// <summary>
    /// Revokes the connection's current access token at the sandbox, as a third party that stops accepting it would:
    /// a <see cref="ThirdPartyStandIn"/> answers 401 to it from now on, while the refresh token still works.
    /// </summary>
    public async Task RevokeAccessTokenAsync(string connectionId) =>
        await Sandbox.RevokeAsync((await TokensAsync(connectionId)).AccessToken);

    /// <summary>
    /// Revokes the connection's refresh token at the sandbox, as a customer removing the app at the provider would: the
    /// next refresh fails with <c>invalid_grant</c> and the connection needs a new authorization.
    /// </summary>
    public async Task RevokeGrantAsync(string connectionId) =>
        await Sandbox.RevokeAsync((await TokensAsync(connectionId)).RefreshToken
            ?? throw new InvalidOperationException($"Connection {connectionId} holds no refresh token."));

    /// <summary>
    /// The next <paramref name="times"/> refreshes of the connection fail as a provider outage would (503, without
    /// reaching the sandbox): transient failures ActorOAuth retries with backoff.
    /// </summary>
    public async Task FailRefreshesAsync(string connectionId, int times = 1) =>
        ProviderCalls.FailRefreshes((await TokensAsync(connectionId)).RefreshToken
            ?? throw new InvalidOperationException($"Connection {connectionId} holds no refresh token."), times);

    /// <summary>
    /// Moves grain and reminder time to just past the connection's access-token expiry: the next token fetch gets a
    /// refreshed token (refreshed by the fetch, or by the refresh reminder once it has run).
    /// </summary>
    public async Task AdvancePastExpiryAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var connection = await Client.Connections.GetAsync(connectionId, cancellationToken);
        var expiresAt = connection.AccessTokenExpiresAt ?? throw new InvalidOperationException($"Connection {connectionId} holds no expiring access token.");
        var by = expiresAt - Time.GetUtcNow() + TimeSpan.FromSeconds(1);
        if (by > TimeSpan.Zero)
        {
            Time.Advance(by);
        }
    }

    /// <summary>Starts a <see cref="ThirdPartyStandIn"/> that accepts the sandbox's active tokens; dispose it after the test.</summary>
    public Task<ThirdPartyStandIn> StartThirdPartyAsync() => ThirdPartyStandIn.StartAsync(Sandbox);

    /// <summary>Stops the API, the cluster and the sandbox.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_clientServices is not null)
        {
            await _clientServices.DisposeAsync();
        }

        if (_api is not null)
        {
            await _api.StopAsync();
            await _api.DisposeAsync();
        }

        if (_cluster.Cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(_contentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartCoreAsync()
    {
        await _cluster.InitializeAsync();
        Directory.CreateDirectory(_contentRoot);
        var url = ApiUrl.GetLeftPart(UriPartial.Authority);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            // An empty content root: the test project's own appsettings (Kestrel endpoints, say) stay out of the kit's API.
            ["contentRoot"] = _contentRoot,
            ["environment"] = "Development",
            ["urls"] = url,
            ["Logging:LogLevel:Default"] = "Warning",
            [OrleansHosting.ModeKey] = nameof(HostingMode.External),
            ["ActorOAuth:PublicBaseUrl"] = url,
            ["ActorOAuth:Sandbox:Enabled"] = "false",
            [$"ActorOAuth:ApiKeys:{_options.ApiKey}"] = _options.Tenant,
            ["ActorOAuth:ProviderSecurity:AllowLoopback"] = "true",
            ["ActorOAuth:RateLimits:Enabled"] = "false",
            ["ActorOAuth:Providers:sandbox:AuthorizeUrl"] = Sandbox.AuthorizeUrl,
            ["ActorOAuth:Providers:sandbox:TokenUrl"] = Sandbox.TokenUrl,
            ["ActorOAuth:Providers:sandbox:RevokeUrl"] = Sandbox.RevokeUrl,
            ["ActorOAuth:Providers:sandbox:Issuer"] = Sandbox.BaseUrl + "/",
        };
        foreach (var (key, value) in _options.Settings)
        {
            settings[key] = value;
        }

        _api = ActorOAuthApp.Build([.. settings.Select(s => $"--{s.Key}={s.Value}")], builder =>
        {
            builder.Services.AddSingleton<IClusterClient>(Cluster.Client);
            builder.Services.AddSingleton<IGrainFactory>(Cluster.Client);
            // The API reads the cluster's clock too: a token it holds in memory expires when the grains say so.
            builder.Services.AddSingleton<TimeProvider>(Time);
            builder.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            _options.ConfigureApi?.Invoke(builder);
        });
        await _api.StartAsync();

        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddActorOAuthClient(ConfigureClient);
        _clientServices = services.BuildServiceProvider();
    }

    private async Task<TokenSetView> TokensAsync(string connectionId)
    {
        var state = await _cluster.ReadStateAsync(ConnectionKeys.For(Tenant, connectionId));
        return state.Tokens is { } tokens
            ? new TokenSetView(tokens.AccessToken, tokens.RefreshToken)
            : throw new InvalidOperationException($"Connection {connectionId} holds no tokens.");
    }

    private sealed record TokenSetView(string AccessToken, string? RefreshToken);

    /// <summary>The kit's cluster: the project's test cluster, its sandbox accepting the kit API's callback.</summary>
    private sealed class KitCluster(ActorOAuthTestKitOptions options, string callbackUrl)
        : ClusterWithSandbox(options.Silos, options.AccessTokenLifetime)
    {
        protected override IReadOnlyList<string> SandboxRedirectUris => [RedirectUri, callbackUrl];
    }
}
