using ActorOAuth.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorOAuth.Silo;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: this silo is active in the cluster and the database answers. In
/// the JSON shape the API answers too (<see cref="HealthEndpoints"/>).
/// </summary>
public static class SiloHealth
{
    public static void Add(IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ActiveSiloCheck>("cluster", tags: [HealthEndpoints.ReadyTag])
            .Add(new HealthCheckRegistration("storage",
                services => new PostgresStorageCheck(services.GetRequiredService<ClusterHostOptions>().ConnectionString), null, [HealthEndpoints.ReadyTag]));
    }

    public static void Map(WebApplication app) => app.MapHealthEndpoints();

    private sealed class ActiveSiloCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"{silo.Name} is active")
                : HealthCheckResult.Unhealthy($"{silo.Name} is {status}"));
        }
    }
}
