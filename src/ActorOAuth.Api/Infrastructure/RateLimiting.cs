using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
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

        limiter.AddPolicy<Partition, TenantLimits>(TenantPolicy);
        limiter.AddPolicy<Partition, CallbackLimits>(CallbackPolicy);
    });

    /// <summary>Whose bucket a request takes from: its tenant's, or (without a valid key) its client address's.</summary>
    private readonly record struct Partition(string? Tenant, IPAddress? Address);

    // Policies as classes: the options come through the monitor each holds (no service lookup per request), and a
    // partition key is a struct, not a string concatenated per request.
    private sealed class TenantLimits(IOptionsMonitor<ActorOAuthOptions> options) : IRateLimiterPolicy<Partition>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

        public RateLimitPartition<Partition> GetPartition(HttpContext http)
        {
            var limits = options.CurrentValue.RateLimits;
            if (!limits.Enabled)
            {
                return RateLimitPartition.GetNoLimiter(default(Partition));
            }

            var tenant = http.User.FindFirst(ApiKeyAuthenticationHandler.TenantClaim)?.Value;
            var key = tenant is null ? new Partition(null, http.Connection.RemoteIpAddress) : new Partition(tenant, null);
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.TenantBurst,
                TokensPerPeriod = limits.TenantRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
    }

    private sealed class CallbackLimits(IOptionsMonitor<ActorOAuthOptions> options) : IRateLimiterPolicy<Partition>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

        public RateLimitPartition<Partition> GetPartition(HttpContext http)
        {
            var limits = options.CurrentValue.RateLimits;
            return limits.Enabled
                ? RateLimitPartition.GetFixedWindowLimiter(new Partition(null, http.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limits.CallbackRequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(default(Partition));
        }
    }
}
