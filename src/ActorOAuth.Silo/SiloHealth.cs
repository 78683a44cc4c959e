using ActorOAuth.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorOAuth.Silo;

/// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: this silo is active in the cluster and the database answers.</summary>
public static class SiloHealth
{
    private const string Ready = "ready";

    public static void Add(IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ActiveSiloCheck>("cluster", tags: [Ready])
            .Add(new HealthCheckRegistration("storage",
                services => new PostgresStorageCheck(services.GetRequiredService<ClusterHostOptions>().ConnectionString), null, [Ready]));
    }

    public static void Map(WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
    }

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
