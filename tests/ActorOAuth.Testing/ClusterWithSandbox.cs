using ActorOAuth.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Reminders;
using Orleans.TestingHost;

namespace ActorOAuth.Testing;

/// <summary>
/// An in-process Orleans cluster running the ActorOAuth grains with simulated grain and reminder time
/// (the silo's own background loops stay on the real clock), next to a real sandbox provider.
/// </summary>
public class ClusterWithSandbox : IAsyncLifetimeLike
{
    public const string RedirectUri = "http://127.0.0.1:9/callback";

    private readonly int _silos;
    private readonly TimeSpan? _accessTokenLifetime;

    public ClusterWithSandbox(int silos = 1, TimeSpan? accessTokenLifetime = null)
    {
        _silos = silos;
        _accessTokenLifetime = accessTokenLifetime;
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public RunningSandbox Sandbox { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        Sandbox = await RunningSandbox.StartAsync([RedirectUri], _accessTokenLifetime);
        var builder = new InProcessTestClusterBuilder((short)_silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GrainStorage.Name).UseInMemoryReminderService();
            silo.Services.AddActorOAuthGrains();
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

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Sandbox.DisposeAsync();
    }
}

/// <summary>The xunit lifetime shape, without a dependency on xunit in this library.</summary>
public interface IAsyncLifetimeLike
{
    Task InitializeAsync();

    Task DisposeAsync();
}
