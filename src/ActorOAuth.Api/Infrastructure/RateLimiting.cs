using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>Per-tenant limits on <c>/api</c> and per-address limits on <c>/callback</c>; a refusal is a 429 problem with <c>Retry-After</c>.</summary>
public static class RateLimiting
{
    public const string TenantPolicy = "tenant";
    public const string CallbackPolicy = "callback";

    public static IServiceCollection AddActorOAuthRateLimits(this IServiceCollection services) => services.AddRateLimiter(limiter =>
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
            var http = context.HttpContext;
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Slow down and retry after the time in Retry-After." },
            });
        };

        limiter.AddPolicy(TenantPolicy, http =>
        {
            var limits = Limits(http);
            var tenant = http.User.FindFirst(ApiKeyAuthenticationHandler.TenantClaim)?.Value;
            if (!limits.Enabled)
            {
                return RateLimitPartition.GetNoLimiter("off");
            }

            // Requests without a valid key share one bucket per client address.
            var key = tenant is null ? "anonymous:" + http.Connection.RemoteIpAddress : "tenant:" + tenant;
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.TenantBurst,
                TokensPerPeriod = limits.TenantRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });

        limiter.AddPolicy(CallbackPolicy, http =>
        {
            var limits = Limits(http);
            return limits.Enabled
                ? RateLimitPartition.GetFixedWindowLimiter("address:" + http.Connection.RemoteIpAddress, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.CallbackRequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("off");
        });
    });

    private static RateLimitOptions Limits(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptionsMonitor<ActorOAuthOptions>>().CurrentValue.RateLimits;
}
