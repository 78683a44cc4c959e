using ActorOAuth.Grains;
using ActorOAuth.Grains.Webhooks;
using ActorOAuth.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorOAuth.Api;

/// <summary>
/// Where the grains run. <c>ActorOAuth:Mode</c> = <c>Embedded</c> (default): this process co-hosts one silo with
/// in-memory storage and reminders, configured by <c>Orleans:SiloPort/GatewayPort/ServiceId/ClusterId</c> (the ports
/// default to free ones, so several embedded instances run side by side).
/// <c>Cluster</c>: this process is a pure Orleans client of the silos registered in the PostgreSQL membership
/// table named by <c>ActorOAuth:Cluster</c> (<see cref="ClusterHostOptions"/>, shared with the silos). <c>External</c>:
/// the host registers the <see cref="IGrainFactory"/> itself (ActorOAuth.Testing puts the API in front of its test cluster).
/// </summary>
public static class OrleansHosting
{
    public const string ModeKey = "ActorOAuth:Mode";

    public static HostingMode Mode(IConfiguration configuration) => configuration.GetValue(ModeKey, HostingMode.Embedded);

    public static void Configure(WebApplicationBuilder builder)
    {
        if (Mode(builder.Configuration) == HostingMode.Cluster)
        {
            var cluster = ClusterHostOptions.Read(builder.Configuration);
            builder.Services.AddSingleton(cluster);
            builder.UseOrleansClient(client => client
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                })
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout)
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = cluster.Invariant;
                    o.ConnectionString = cluster.ConnectionString;
                })
                .UseConnectionRetryFilter<KeepTryingToConnect>());
        }
        else if (Mode(builder.Configuration) == HostingMode.Embedded)
        {
            var orleans = builder.Configuration.GetSection("Orleans");
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(
                    siloPort: orleans.GetValue<int?>("SiloPort") ?? FreePort.Any(),
                    gatewayPort: orleans.GetValue<int?>("GatewayPort") ?? FreePort.Any(),
                    serviceId: orleans.GetValue("ServiceId", "actoroauth")!,
                    clusterId: orleans.GetValue("ClusterId", "embedded")!)
                // Orleans' binary serializer rather than the default JSON with type names: smaller rows, written
                // faster (the cluster's PostgreSQL rows use it too, under encryption).
                .AddMemoryGrainStorage(GrainStorage.Name, storage => storage.Configure<Serializer>(
                    (o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)))
                .UseInMemoryReminderService()
                .Configure<GrainDirectoryOptions>(o => o.CachingStrategy = GrainDirectoryOptions.CachingStrategyType.None));
            builder.Services.AddActorOAuthGrains();
            // Reminders in this process's memory go with it: arming the outbox reminder ahead of each event's write
            // would protect nothing.
            builder.Services.PostConfigure<WebhookOptions>(o => o.OutboxReminderAhead = false);
        }

        builder.Services.AddStorageExceptionSerialization();
        ApiHealth.Add(builder);
    }
}

/// <summary>
/// Started before any silo (or while none is up), the API waits for the cluster instead of exiting: it retries every
/// 2 seconds until a gateway answers or the process is stopped. Kestrel starts only once connected.
/// </summary>
internal sealed partial class KeepTryingToConnect(ILogger<KeepTryingToConnect> logger) : IClientConnectionRetryFilter
{
    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        LogRetry(logger, exception.Message);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo reachable yet ({Reason}); retrying in 2 seconds")]
    private static partial void LogRetry(ILogger logger, string reason);
}

/// <summary>How the API hosts or reaches the grains.</summary>
public enum HostingMode
{
    /// <summary>One silo co-hosted in this process, in-memory storage (the default; state is lost on exit).</summary>
    Embedded,

    /// <summary>A pure Orleans client of a PostgreSQL-backed cluster of <c>ActorOAuth.Silo</c> processes.</summary>
    Cluster,

    /// <summary>
    /// Neither: the host registers <see cref="IGrainFactory"/> (and <see cref="IClusterClient"/>) of a cluster it runs itself,
    /// as ActorOAuth.Testing does with its in-process test cluster.
    /// </summary>
    External,
}
