using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using ActorOAuth.Abstractions;
using ActorOAuth.Api.Connections;
using ActorOAuth.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>The body of <c>POST /api/connect-sessions</c>.</summary>
public sealed record ConnectSessionRequest(IReadOnlyList<string>? Connections, string? ReturnUrl, int? ExpiresInSeconds);

/// <summary>A minted session: the token (shown once), the page's URL, its expiry.</summary>
public sealed record ConnectSessionResponse(string Token, string Url, DateTimeOffset ExpiresAt);

/// <summary><c>/api/connect-sessions</c>: the vendor's backend mints and revokes the links its customers open.</summary>
public static class ConnectSessionEndpoints
{
    /// <summary>The most connections one session may list.</summary>
    public const int MaxConnections = 50;

    public static IEndpointRouteBuilder MapConnectSessions(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/api/connect-sessions").RequireAuthorization().RequireRateLimiting(RateLimiting.TenantPolicy)
            .WithTags("Connect sessions").ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        sessions.MapPost("/", Create).WithName("CreateConnectSession").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapDelete("/{token}", Revoke).WithName("RevokeConnectSession").ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    /// <summary>
    /// Mints a link for the listed connections of the caller's tenant. Each must exist (404 otherwise); the token is 256
    /// random bits, and only its SHA-256 is stored.
    /// </summary>
    public static async Task<Results<Created<ConnectSessionResponse>, ValidationProblem, ProblemHttpResult>> Create(
        ConnectSessionRequest request, ClaimsPrincipal user, IGrainFactory grains, IOptions<ActorOAuthOptions> options, TimeProvider time, HttpContext http)
    {
        var tenant = user.Tenant();
        var errors = new Dictionary<string, string[]>();
        var ids = request.Connections ?? [];
        if (ids.Count is 0 or > MaxConnections)
        {
            errors["connections"] = [$"List 1 to {MaxConnections} connection ids."];
        }
        else if (ids.FirstOrDefault(id => !ConnectionIds.IsValid(id)) is { } bad)
        {
            errors["connections"] = [$"'{Truncate(bad)}' is not a connection id: 1 to 100 characters, a letter or digit, then letters, digits, '.', '_', '~' or '-'."];
        }

        var lifetime = ConnectPageOptions.DefaultSessionLifetime;
        if (request.ExpiresInSeconds is { } seconds)
        {
            if (seconds < 60 || seconds > ConnectPageOptions.MaxSessionLifetime.TotalSeconds)
            {
                errors["expiresInSeconds"] = [$"Between 60 and {(int)ConnectPageOptions.MaxSessionLifetime.TotalSeconds}."];
            }
            else
            {
                lifetime = TimeSpan.FromSeconds(seconds);
            }
        }

        string? returnUrl = null;
        if (request.ReturnUrl is { } requested
            && !ReturnUrls.TryNormalize(requested, options.Value.Tenants.TryGetValue(tenant, out var t) ? t.ReturnUrlOrigins : [], out returnUrl, out var problem))
        {
            errors["returnUrl"] = [problem];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in distinct)
        {
            try
            {
                await grains.GetGrain<IConnectionGrain>(ConnectionKeys.For(tenant, id)).Get();
            }
            catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.NotFound)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Connection not found",
                    detail: $"No connection '{id}' in this tenant; a session can only list existing connections.",
                    extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.ConnectionNotFound });
            }
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var session = new ConnectSession(tenant, distinct, returnUrl, now, now + lifetime);
        await grains.GetGrain<IConnectSessionGrain>(ConnectSessionKeys.For(token)).Create(session);
        http.Response.Headers.CacheControl = "no-store";
        var url = options.Value.PublicBaseUrl.TrimEnd('/') + ConnectPageEndpoints.PathOf(token);
        return TypedResults.Created(url, new ConnectSessionResponse(token, url, session.ExpiresAt));
    }

    /// <summary>Revokes a session early: its link shows the expired page from now on. 404 when the tenant has no such session.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(string token, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (ConnectPageEndpoints.IsTokenShaped(token) && await grains.GetGrain<IConnectSessionGrain>(ConnectSessionKeys.For(token)).Revoke(user.Tenant()))
        {
            return TypedResults.NoContent();
        }

        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Connect session not found",
            detail: "This tenant has no connect session with this token.",
            extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.ConnectSessionNotFound });
    }

    private static string Truncate(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
