using System.Diagnostics;
using ActorOAuth.Grains;
using ActorOAuth.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Reminders;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace ActorOAuth.Testing;

/// <summary>
/// An in-process Orleans cluster running the ActorOAuth grains with simulated grain and reminder time
/// (the silo's own background loops stay on the real clock), next to a real sandbox provider.
/// </summary>
public class ClusterWithSandbox : IAsyncLifetimeLike
{
    /// <summary>The redirect URI grain-level tests authorize with (nothing listens there; tests complete the callback themselves).</summary>
    public const string RedirectUri = "http://127.0.0.1:9/callback";

    private readonly int _silos;
    private readonly TimeSpan? _accessTokenLifetime;

    /// <summary>A cluster of <paramref name="silos"/> silos; the sandbox issues access tokens of <paramref name="accessTokenLifetime"/> (default one hour).</summary>
    public ClusterWithSandbox(int silos = 1, TimeSpan? accessTokenLifetime = null)
    {
        _silos = silos;
        _accessTokenLifetime = accessTokenLifetime;
    }

    /// <summary>Grain and reminder time; it moves only when a test advances it.</summary>
    public FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    /// <summary>The in-process Orleans test cluster.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>The sandbox provider the connections authorize at.</summary>
    public RunningSandbox Sandbox { get; private set; } = null!;

    /// <summary>The cluster client's grain factory.</summary>
    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The cluster's grain storage, shared by its silos.</summary>
    public SharedGrainStorage.Database Storage { get; } = new();

    /// <summary>Every call the grains made to a provider's token endpoint.</summary>
    public ProviderCallLog ProviderCalls { get; } = new();

    /// <summary>Reads a connection's persisted state straight from storage (tokens included), as a test may.</summary>
    public async Task<ConnectionState> ReadStateAsync(string connectionKey)
    {
        var storage = Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
        var state = new GrainState<ConnectionState>(new ConnectionState());
        await storage.ReadStateAsync("connection", GrainId.Create("connection", connectionKey), state);
        return state.State!;
    }

    /// <summary>
    /// Changes a connection's stored state behind its activation's back, as a second activation or another writer
    /// would: the row gets a new ETag, so the activation's next write conflicts.
    /// </summary>
    public async Task WriteAsAnotherWriterAsync(string connectionKey, Action<ConnectionState> change)
    {
        var storage = Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
        var state = new GrainState<ConnectionState>(new ConnectionState());
        var id = GrainId.Create("connection", connectionKey);
        await storage.ReadStateAsync("connection", id, state);
        change(state.State!);
        await storage.WriteStateAsync("connection", id, state);
    }

    /// <summary>The connection's refresh reminder, or null when none is registered.</summary>
    public async Task<ReminderEntry?> ReadReminderAsync(string connectionKey)
    {
        var table = Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        return await table.ReadRow(GrainId.Create("connection", connectionKey), "refresh");
    }

    /// <summary>
    /// Polls <paramref name="condition"/> while nudging simulated time forward by <paramref name="step"/>
    /// (default 10 ms) a poll: a timer the reminder service creates after an <c>Advance</c> only fires on the next one.
    /// </summary>
    public Task WhileTimePasses(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null, TimeSpan? step = null) =>
        Eventually(async () =>
        {
            Time.Advance(step ?? TimeSpan.FromMilliseconds(10));
            return await condition();
        }, timeout, because);

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="timeout"/> of real time.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        // A real-time limit of the test itself (monotonic), not grain time: the fake clock does not move while it waits.
        var started = Stopwatch.GetTimestamp();
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException("Condition not met in time" + (because is null ? "." : ": " + because));
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The redirect URIs the sandbox accepts: <see cref="RedirectUri"/>; a derived fixture may add its API's callback.</summary>
    protected virtual IReadOnlyList<string> SandboxRedirectUris => [RedirectUri];

    /// <summary>Starts the sandbox and the cluster.</summary>
    public async Task InitializeAsync()
    {
        Sandbox = await RunningSandbox.StartAsync(SandboxRedirectUris, _accessTokenLifetime);
        var builder = new InProcessTestClusterBuilder((short)_silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseInMemoryReminderService();
            // Keep every reminder loaded on simulated time: the table refresh runs on the real clock,
            // so a reminder evicted past the loading window would only come back minutes of real time later.
            silo.Configure<ReminderOptions>(o =>
            {
                o.ReminderLoadingWindow = TimeSpan.FromDays(30);
                o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
            });
            silo.Services.AddGrainStorage(GrainStorage.Name, (services, _) => ActivatorUtilities.CreateInstance<SharedGrainStorage>(services, Storage));
            silo.Services.AddActorOAuthGrains();
            silo.Services.Configure<ProviderSecurityOptions>(o => o.AllowLoopback = true);
            silo.Services.AddHttpClient(ProviderClient.HttpClientName).AddHttpMessageHandler(() => ProviderCalls.CreateHandler(Time));
            silo.Services.AddSingleton<TimeProvider>(Time);
            silo.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Time);
            ConfigureSilo(silo);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Extra silo configuration for a derived fixture.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }

    /// <summary>Stops the cluster (waiting at most 30 seconds) and the sandbox.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            // A cluster that lost a silo may wait long on a graceful stop; the process ends after the tests anyway.
            await Cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
        }

        await Sandbox.DisposeAsync();
    }
}

/// <summary>The xunit lifetime shape, without a dependency on xunit in this library.</summary>
public interface IAsyncLifetimeLike
{
    /// <summary>Starts the fixture.</summary>
    Task InitializeAsync();

    /// <summary>Stops the fixture.</summary>
    Task DisposeAsync();
}
