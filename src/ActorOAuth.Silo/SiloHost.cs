using System.Net;
using ActorOAuth.Grains;
using ActorOAuth.Grains.Storage;
using ActorOAuth.Hosting;
using Orleans.Configuration;

namespace ActorOAuth.Silo;

/// <summary>
/// Builds a cluster-mode silo: ActorOAuth grains with clustering, grain state (encrypted) and reminders in PostgreSQL.
/// Settings: <see cref="ClusterHostOptions"/> (<c>ActorOAuth:Cluster</c>, shared with the API), <see cref="EncryptionOptions"/>
/// (<c>ActorOAuth:Encryption</c>), failure detection under <c>ActorOAuth:Cluster:Membership</c> (Orleans'
/// <c>ClusterMembershipOptions</c>), and the grains' own <c>ActorOAuth:Connections</c>.
/// </summary>
public static partial class SiloHost
{
    /// <summary>The silo's HTTP port for health probes when no <c>--urls</c> is given.</summary>
    public const string DefaultUrls = "http://localhost:5080";

    /// <summary>Builds the silo; throws <see cref="InvalidOperationException"/> or <see cref="StorageKeyRingException"/> with a readable message when settings are missing.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        var settings = ClusterHostOptions.Read(builder.Configuration);
        // Fail before anything starts: no key, no silo (tokens are never written in plain text).
        StorageKeyRing.Load(builder.Configuration.GetSection(EncryptionOptions.Section).Get<EncryptionOptions>() ?? new EncryptionOptions());

        builder.Services.AddSingleton(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        builder.Services.AddEncryptedGrainStorageSerializer();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            if (settings.AdvertisedAddress is { } address)
            {
                silo.ConfigureEndpoints(IPAddress.Parse(address), settings.SiloPort, settings.GatewayPort, settings.ListenOnAnyHostAddress);
            }
            else
            {
                silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.ListenOnAnyHostAddress);
            }

            if (settings.SiloName is { } name)
            {
                silo.Configure<SiloOptions>(o => o.SiloName = name);
            }

            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(ClusterHostOptions.MembershipSection));
            if (RunsOnKubernetes(builder.Configuration, settings))
            {
                silo.UseKubernetesHosting();
            }

            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = settings.Invariant;
                o.ConnectionString = settings.ConnectionString;
            });
            silo.AddAdoNetGrainStorage(GrainStorage.Name, storage => storage.Configure<EncryptedGrainStorageSerializer>((o, serializer) =>
            {
                o.Invariant = settings.Invariant;
                o.ConnectionString = settings.ConnectionString;
                o.GrainStorageSerializer = serializer;
                // A deleted connection leaves no row behind.
                o.DeleteStateOnClear = true;
            }));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = settings.Invariant;
                o.ConnectionString = settings.ConnectionString;
            });
        });
        builder.Services.AddActorOAuthGrains();
        builder.Services.AddStorageExceptionSerialization();
        builder.Services.AddHostedService<MembershipLogger>();
        SiloHealth.Add(builder.Services);
        TelemetryHosting.Add(builder, "actoroauth-silo", TelemetryHost.Silo);
        BackgroundGcThread.Add(builder);

        configure?.Invoke(builder);

        var app = builder.Build();
        SiloHealth.Map(app);
        app.MapTelemetry(TelemetryHost.Silo);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var silo = app.Services.GetRequiredService<ILocalSiloDetails>();
            var keys = app.Services.GetRequiredService<StorageKeyRing>();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorOAuth.Silo");
            LogStarted(logger, silo.Name, settings.Region, settings.ClusterId, settings.ServiceId, silo.SiloAddress, silo.GatewayAddress, keys.ActiveKeyId, keys.KeyIds.Count);
        });
        return app;
    }

    /// <summary>Set by Kubernetes in every pod's environment.</summary>
    public const string KubernetesServiceHost = "KUBERNETES_SERVICE_HOST";

    /// <summary>Whether the silo uses Orleans' Kubernetes hosting: as configured, else exactly when running in a pod.</summary>
    internal static bool RunsOnKubernetes(IConfiguration configuration, ClusterHostOptions settings) =>
        settings.KubernetesHosting ?? !string.IsNullOrEmpty(configuration[KubernetesServiceHost]);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "ActorOAuth silo {Name} started in region {Region}: cluster {ClusterId}, service {ServiceId}, silo {SiloAddress}, gateway {GatewayAddress}; encrypting with key '{ActiveKey}' ({KeyCount} keys readable)")]
    private static partial void LogStarted(ILogger logger, string name, string region, string clusterId, string serviceId, SiloAddress siloAddress, SiloAddress? gatewayAddress, string activeKey, int keyCount);
}
