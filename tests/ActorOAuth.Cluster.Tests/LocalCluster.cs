using System.Net;
using System.Net.Sockets;
using ActorOAuth.Api;
using ActorOAuth.Silo;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// Real cluster-mode hosts in this process against one PostgreSQL database: any number of <see cref="SiloHost"/>
/// silos and <see cref="ActorOAuthApp"/>s in cluster mode (pure Orleans clients): <see cref="Api"/>, and any number more
/// (<see cref="StartAnotherApiAsync"/>). Each host has its own ports.
/// </summary>
public sealed class LocalCluster(string connectionString, string clusterId) : IAsyncDisposable
{
    /// <summary>
    /// Failure detection short enough for tests (a dead silo is declared dead within a few seconds); production keeps
    /// Orleans' defaults.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> FastFailureDetection = new Dictionary<string, string>
    {
        ["ActorOAuth:Cluster:Membership:ProbeTimeout"] = "00:00:01",
        ["ActorOAuth:Cluster:Membership:NumMissedProbesLimit"] = "2",
        ["ActorOAuth:Cluster:Membership:NumVotesForDeathDeclaration"] = "1",
        ["ActorOAuth:Cluster:Membership:TableRefreshTimeout"] = "00:00:02",
        ["ActorOAuth:Cluster:Membership:DeathVoteExpirationTimeout"] = "00:00:10",
        ["ActorOAuth:Cluster:Membership:IAmAliveTablePublishTimeout"] = "00:00:02",
    };

    public const string ApiKey = "cluster-key";
    public const string Tenant = "cluster-tenant";

    private readonly List<WebApplication> _silos = [];
    private readonly List<WebApplication> _otherApis = [];

    /// <summary>Encryption settings every silo started from now on gets (key id → base64 key, and the active id).</summary>
    public Dictionary<string, string> Keys { get; set; } = new() { ["k1"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray()) };

    public string? ActiveKey { get; set; }

    /// <summary>More settings for every silo started from now on, e.g. <c>ActorOAuth:Connections:…</c>.</summary>
    public Dictionary<string, string> SiloSettings { get; set; } = [];

    public IReadOnlyList<WebApplication> Silos => _silos;

    public WebApplication? Api { get; private set; }

    /// <summary>The API processes started by <see cref="StartAnotherApiAsync"/>.</summary>
    public IReadOnlyList<WebApplication> OtherApis => _otherApis;

    /// <summary>
    /// The API's port, chosen when the cluster is made (tests give its URL to the sandbox first) and held by a listener
    /// until the API binds it: a port found free can otherwise become an outgoing connection's local port in between,
    /// and an API started minutes later failed with "address already in use" (CI, DatabaseOutageTests).
    /// </summary>
    private readonly (TcpListener Listener, int Port) _apiPort = HeldPort();

    public string ApiUrl => $"http://127.0.0.1:{_apiPort.Port}";

    public string ConnectionString => connectionString;

    public string ClusterId => clusterId;

    /// <summary>
    /// Starts one more silo. A port <see cref="RunningSandbox.FreePort"/> found free can be taken by another process
    /// (an outgoing connection's ephemeral port) before the silo binds it: then it starts again on other ports.
    /// </summary>
    public async Task<WebApplication> StartSiloAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var silo = SiloHost.Build(Arguments(NewSiloSettings()));
            try
            {
                await silo.StartAsync();
                _silos.Add(silo);
                return silo;
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 3)
            {
                await silo.StopAsync();
                await silo.DisposeAsync();
            }
        }
    }

    private Dictionary<string, string> NewSiloSettings()
    {
        var settings = new Dictionary<string, string>(FastFailureDetection)
        {
            ["ActorOAuth:Cluster:ConnectionString"] = connectionString,
            ["ActorOAuth:Cluster:ClusterId"] = clusterId,
            ["ActorOAuth:Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["ActorOAuth:Cluster:SiloPort"] = RunningSandbox.FreePort().ToString(),
            ["ActorOAuth:Cluster:GatewayPort"] = RunningSandbox.FreePort().ToString(),
            ["ActorOAuth:Cluster:SiloName"] = $"silo-{_silos.Count + 1}",
            ["ActorOAuth:Cluster:ShutdownTimeout"] = "00:00:20",
            ["urls"] = $"http://127.0.0.1:{RunningSandbox.FreePort()}",
        };
        foreach (var (id, key) in Keys)
        {
            settings[$"ActorOAuth:Encryption:Keys:{id}"] = key;
        }

        if (ActiveKey is not null)
        {
            settings["ActorOAuth:Encryption:ActiveKey"] = ActiveKey;
        }

        foreach (var (key, value) in SiloSettings)
        {
            settings[key] = value;
        }

        return settings;
    }

    public async Task StartApiAsync() => Api = await StartApiAtAsync(ApiUrl);

    /// <summary>One more API process on a port of its own; returns its base URL.</summary>
    public async Task<string> StartAnotherApiAsync()
    {
        var url = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        _otherApis.Add(await StartApiAtAsync(url));
        return url;
    }

    private static (TcpListener, int) HeldPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    private async Task<WebApplication> StartApiAtAsync(string url)
    {
        var settings = new Dictionary<string, string>
        {
            ["urls"] = url,
            ["ActorOAuth:Mode"] = "Cluster",
            ["ActorOAuth:Cluster:ConnectionString"] = connectionString,
            ["ActorOAuth:Cluster:ClusterId"] = clusterId,
            ["ActorOAuth:Cluster:ResponseTimeout"] = "00:00:10",
            ["ActorOAuth:PublicBaseUrl"] = url,
            [$"ActorOAuth:ApiKeys:{ApiKey}"] = Tenant,
            ["ActorOAuth:ProviderSecurity:AllowLoopback"] = "true",
            ["ActorOAuth:Sandbox:Enabled"] = "false",
        };
        var api = ActorOAuthApp.Build(Arguments(settings));
        if (url == ApiUrl)
        {
            _apiPort.Listener.Stop();
        }

        await api.StartAsync();
        return api;
    }

    public IClusterClient Client => Api!.Services.GetRequiredService<IClusterClient>();

    /// <summary>Stops a silo the hard way: no grain deactivation, no goodbye in the membership table.</summary>
    public async Task KillSiloAsync(WebApplication silo)
    {
        _silos.Remove(silo);
        await silo.StopAsync(new CancellationToken(canceled: true));
        await silo.DisposeAsync();
    }

    public async Task StopSiloAsync(WebApplication silo)
    {
        _silos.Remove(silo);
        await silo.StopAsync();
        await silo.DisposeAsync();
    }

    /// <summary>Stops one of <see cref="OtherApis"/> (it withdraws nothing on the way out: its leases just end with it).</summary>
    public async Task StopAnotherApiAsync(WebApplication api)
    {
        _otherApis.Remove(api);
        await api.StopAsync();
        await api.DisposeAsync();
    }

    public async Task StopApiAsync()
    {
        foreach (var other in _otherApis)
        {
            await other.StopAsync();
            await other.DisposeAsync();
        }

        _otherApis.Clear();
        if (Api is not null)
        {
            await Api.StopAsync();
            await Api.DisposeAsync();
            Api = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _apiPort.Listener.Stop();
        await StopApiAsync();
        foreach (var silo in _silos.ToList())
        {
            await StopSiloAsync(silo);
        }
    }

    private static string[] Arguments(Dictionary<string, string> settings) =>
    [
        "--environment=Production",
        // The sandbox provider runs on loopback.
        "--ActorOAuth:ProviderSecurity:AllowLoopback=true",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:ActorOAuth=Information",
        .. settings.Select(s => $"--{s.Key}={s.Value}"),
    ];
}
