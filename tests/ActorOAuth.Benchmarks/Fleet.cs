using ActorOAuth.Abstractions;
using ActorOAuth.Api;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Benchmarks;

/// <summary>One benchmark connection: <c>c{index:D6}</c> in tenant <c>t{index / perTenant:D3}</c>, API key <c>key-t…</c>.</summary>
internal readonly record struct BenchConnection(int Index, string Tenant, string ApiKey, string Id)
{
    public string GrainKey => ConnectionKeys.For(Tenant, Id);
}

/// <summary>
/// The connections a scenario works on, spread over tenants of <c>perTenant</c> connections each, one API key per
/// tenant. (A tenant's size does not change what a status change costs its index: the <c>index</c> scenario measures that.)
/// </summary>
internal sealed class Fleet
{
    public Fleet(int count, int perTenant, int offset = 0, string tenantPrefix = "t")
    {
        PerTenant = perTenant;
        TenantPrefix = tenantPrefix;
        Connections = [.. Enumerable.Range(offset, count).Select(i =>
        {
            var tenant = $"{tenantPrefix}{i / perTenant:D3}";
            return new BenchConnection(i, tenant, "key-" + tenant, $"c{i:D6}");
        })];
    }

    public IReadOnlyList<BenchConnection> Connections { get; }

    public int PerTenant { get; }

    public string TenantPrefix { get; }

    public IEnumerable<(string Key, string Tenant)> ApiKeys => Connections.Select(c => (c.ApiKey, c.Tenant)).Distinct();

    /// <summary>Settings as a PUT would leave them: every string its own instance, as if read from JSON.</summary>
    public static ConnectionSettings Settings(string providerUrl, string id) => new()
    {
        Provider = "bench",
        AuthorizeUrl = string.Concat(providerUrl, "/authorize"),
        TokenUrl = string.Concat(providerUrl, "/token"),
        ClientId = id,
        ClientSecret = "secret-" + id,
        Scopes = [string.Concat("files.", "read"), string.Concat("offline_", "access")],
    };

    /// <summary>Creates (and, with <paramref name="connect"/>, connects) every connection straight on the grains.</summary>
    public async Task<TimeSpan> SeedAsync(IGrainFactory grains, string providerUrl, string callbackUrl, bool connect, int concurrency, CancellationToken cancellationToken)
    {
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var done = 0;
        using var progress = new Timer(_ => Console.Error.Write($"\r  seeded {Volatile.Read(ref done):N0} / {Connections.Count:N0}   "), null, 2000, 2000);
        await Parallel.ForEachAsync(Connections, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (c, _) =>
        {
            var grain = grains.GetGrain<IConnectionGrain>(c.GrainKey);
            await grain.Save(Settings(providerUrl, c.Id), callbackUrl);
            if (connect)
            {
                await ConnectAsync(grains, grain, c.Id, callbackUrl);
            }

            Interlocked.Increment(ref done);
        });
        Console.Error.Write("\r" + new string(' ', 40) + "\r");
        return timer.Elapsed;
    }

    /// <summary>
    /// Authorize on the grain, then complete the callback with <c>code.{id}</c> (the provider exchanges it) the way the
    /// callback route does: the attempt's <c>state</c> redeemed first (its entry is gone after, as after a real callback).
    /// </summary>
    public static async Task ConnectAsync(IGrainFactory grains, IConnectionGrain grain, string id, string callbackUrl)
    {
        var start = await grain.Authorize(callbackUrl, null);
        var state = QueryHelpers.ParseQuery(new Uri(start.AuthorizationUrl).Query)["state"].ToString();
        var outcome = await AuthorizationCallback.Complete(grains, new CallbackRequest(state, "code." + id, null, null, null));
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException($"connecting {id} failed: {outcome.ErrorCode} {outcome.ErrorDescription}");
        }
    }

    /// <summary>Fetches every token once on the grain (a connection in use is <c>used</c>; its first fetch writes that).</summary>
    public async Task FetchAllAsync(IGrainFactory grains, int concurrency, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(Connections, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (c, _) =>
            await grains.GetGrain<IConnectionGrain>(c.GrainKey).GetAccessToken(false));
}

/// <summary>The ActorOAuth API as the benchmark runs it: in this process, embedded (one co-hosted silo) or as a cluster client.</summary>
internal sealed class ApiHost : IAsyncDisposable
{
    private ApiHost(WebApplication app, string baseUrl)
    {
        App = app;
        BaseUrl = baseUrl;
    }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    public string CallbackUrl => BaseUrl + "/callback";

    /// <summary>
    /// The Development environment (the one that allows http provider URLs on loopback, where the benchmark's
    /// provider lives), the sandbox off, rate limits off, logging at Warning.
    /// </summary>
    public static async Task<ApiHost> StartAsync(
        IEnumerable<(string Key, string Tenant)> apiKeys, IEnumerable<string>? extra = null, ClusterEnvironment? cluster = null, Action<WebApplication>? map = null)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var args = new List<string>
        {
            "--environment=Development",
            $"--contentRoot={AppContext.BaseDirectory}",
            $"--urls={url}",
            $"--ActorOAuth:PublicBaseUrl={url}",
            "--ActorOAuth:Sandbox:Enabled=false",
            "--ActorOAuth:RateLimits:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        };
        args.AddRange(apiKeys.Select(k => $"--ActorOAuth:ApiKeys:{k.Key}={k.Tenant}"));
        if (cluster is null)
        {
            args.Add($"--Orleans:SiloPort={FreePort()}");
            args.Add($"--Orleans:GatewayPort={FreePort()}");
        }
        else
        {
            args.Add("--ActorOAuth:Mode=Cluster");
            args.Add($"--ActorOAuth:Cluster:ConnectionString={cluster.ConnectionString}");
            args.Add($"--ActorOAuth:Cluster:ClusterId={cluster.ClusterId}");
            args.Add($"--ActorOAuth:Cluster:ServiceId={cluster.ServiceId}");
        }

        args.AddRange(extra ?? []);
        var app = ActorOAuthApp.Build([.. args]);
        map?.Invoke(app);
        await app.StartAsync();
        return new ApiHost(app, url);
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }
}
