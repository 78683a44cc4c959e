using ActorOAuth.Grains.Connections;
using ActorOAuth.Grains.Handout;
using ActorOAuth.Grains.Index;
using ActorOAuth.Grains.Security;
using ActorOAuth.Grains.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;

namespace ActorOAuth.Grains;

/// <summary>Registers what the grains need on a silo.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddActorOAuthGrains(this IServiceCollection services)
    {
        services.AddOptions<ConnectionOptions>().BindConfiguration(ConnectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectionOptions>, ConnectionOptionsValidator>());
        services.AddOptions<TenantIndexOptions>().BindConfiguration(TenantIndexOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddProviderUrlPolicy();
        services.AddHandoutOptions();
        services.TryAddSingleton(new HandoutTable());
        services.TryAddSingleton<DeferredWrites>();
        services.TryAddSingleton<GuardedConnector>();
        services.TryAddTransient<ResponseSizeLimit>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JitterSource>();
        services.AddSingleton<ProviderClient>();
        var provider = services.AddHttpClient(ProviderClient.HttpClientName, client =>
            {
                client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
                client.DefaultRequestHeaders.UserAgent.ParseAdd("ActorOAuth/1.0");
                // The resilience handler below owns the time limit.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectCallback = services.GetRequiredService<GuardedConnector>().ConnectAsync,
            });

        // Per-attempt time limit only: token POSTs are never retried by HTTP middleware (a timed-out
        // refresh may already have rotated the refresh token), and no circuit breaker spans connections.
        provider.AddResilienceHandler("provider-timeout", (pipeline, context) =>
        {
            // Network time limits run on the real clock even when grain time is simulated.
            pipeline.TimeProvider = TimeProvider.System;
            pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<ConnectionOptions>>().Value.ProviderCallTimeout);
        });
        provider.AddHttpMessageHandler<ResponseSizeLimit>();
        services.AddWebhookDelivery();
        return services;
    }

    /// <summary>
    /// Lets the database driver's exceptions cross between silo and client, so a grain that cannot even be activated
    /// while the database is down reaches the API as that (a 503), not as an exception no side can read. Both hosts call it.
    /// </summary>
    public static IServiceCollection AddStorageExceptionSerialization(this IServiceCollection services) =>
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));

    /// <summary>The provider URL policy and its options; the API uses it to check settings before they are saved.</summary>
    public static IServiceCollection AddProviderUrlPolicy(this IServiceCollection services)
    {
        services.AddOptions<ProviderSecurityOptions>().BindConfiguration(ProviderSecurityOptions.Section)
            .PostConfigure<IHostEnvironment>((o, environment) => o.AllowLoopback ??= environment.IsDevelopment())
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ProviderUrlPolicy>();
        return services;
    }
}
