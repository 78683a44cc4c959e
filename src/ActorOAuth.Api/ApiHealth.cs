using System.Text.Json;
using ActorOAuth.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorOAuth.Api;

/// <summary>
/// <c>/healthz</c>: the process is up (liveness). <c>/readyz</c>: the cluster answers (at least one active silo) and the
/// storage is reachable (readiness). Both anonymous; JSON body <c>{ "status": "Healthy", "checks": { … } }</c>.
/// </summary>
public static class ApiHealth
{
    private const string Ready = "ready";

    public static void Add(WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks().AddCheck<ClusterCheck>("cluster", tags: [Ready]);
        if (OrleansHosting.Mode(builder.Configuration) == HostingMode.Cluster)
        {
            checks.Add(new HealthCheckRegistration("storage",
                services => new PostgresStorageCheck(services.GetRequiredService<ClusterHostOptions>().ConnectionString), null, [Ready]));
        }
        else
        {
            checks.AddCheck("storage", () => HealthCheckResult.Healthy("in-memory (embedded)"), tags: [Ready]);
        }
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write });
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = Write });
        return routes;
    }

    private static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

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
