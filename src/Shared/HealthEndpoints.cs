using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorOAuth.Hosting;

/// <summary>
/// <c>/healthz</c> (liveness: the process is up, no check runs) and <c>/readyz</c> (readiness: every check tagged
/// <see cref="ReadyTag"/>), anonymous, with one JSON body on the API and the silos alike:
/// <c>{ "status": "Healthy", "checks": { "storage": { "status": "Healthy", "description": "…" } } }</c>;
/// 200 when healthy or degraded, 503 when unhealthy. Compiled into both hosts.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>The tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write });
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = Write });
        return routes;
    }

    /// <summary>Writes <paramref name="report"/> as <c>{ status, checks: { name: { status, description } } }</c>.</summary>
    public static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, cancellationToken: context.RequestAborted);
    }
}
