using ActorOAuth.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorOAuth.Api;

/// <summary>
/// <c>/healthz</c>: the process is up (liveness). <c>/readyz</c>: the cluster answers (at least one active silo) and the
/// storage is reachable (readiness). Both anonymous, in the JSON shape the silos answer too (<see cref="HealthEndpoints"/>).
/// </summary>
public static class ApiHealth
{
    public static void Add(WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks().AddCheck<ClusterCheck>("cluster", tags: [HealthEndpoints.ReadyTag]);
        if (OrleansHosting.Mode(builder.Configuration) == HostingMode.Cluster)
        {
            checks.Add(new HealthCheckRegistration("storage",
                services => new PostgresStorageCheck(services.GetRequiredService<ClusterHostOptions>().ConnectionString), null, [HealthEndpoints.ReadyTag]));
        }
        else
        {
            var storage = OrleansHosting.Mode(builder.Configuration) == HostingMode.Embedded ? "in-memory (embedded)" : "the host's (external)";
            checks.AddCheck("storage", () => HealthCheckResult.Healthy(storage), tags: [HealthEndpoints.ReadyTag]);
        }
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes) => routes.MapHealthEndpoints();

    private sealed class ClusterCheck(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, timeout.Token);
                return hosts.Count > 0
                    ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                    : HealthCheckResult.Unhealthy("no active silo");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("the cluster does not answer: " + e.GetType().Name);
            }
        }
    }
}
