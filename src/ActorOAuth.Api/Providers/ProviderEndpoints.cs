using ActorOAuth.Abstractions;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Grains.Providers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ActorOAuth.Api.Providers;

/// <summary><c>GET /api/providers[/{id}]</c>: the catalog this deployment offers.</summary>
public static class ProviderEndpoints
{
    public static IEndpointRouteBuilder MapProviders(this IEndpointRouteBuilder routes)
    {
        var providers = routes.MapGroup("/api/providers").RequireAuthorization().RequireRateLimiting(RateLimiting.TenantPolicy).WithTags("Providers")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        providers.MapGet("/", List).WithName("ListProviders");
        providers.MapGet("/{id}", Get).WithName("GetProvider").ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    public static Ok<ProviderListResponse> List(ProviderDirectory directory) =>
        TypedResults.Ok(new ProviderListResponse([.. directory.Entries.Values.OrderBy(e => e.Id, StringComparer.Ordinal).Select(ProviderView.From)]));

    public static Ok<ProviderView> Get(string id, ProviderDirectory directory) =>
        directory.Find(id) is { } entry
            ? TypedResults.Ok(ProviderView.From(entry))
            : throw new ConnectionProblemException(ConnectionProblemKind.NotFound, ProblemCodes.ProviderNotFound,
                $"No provider '{(id.Length > 40 ? id[..40] + "…" : id)}' in the catalog; GET /api/providers lists them.");
}

/// <summary>The catalog, sorted by id (ordinal).</summary>
public sealed record ProviderListResponse(IReadOnlyList<ProviderView> Items);

/// <summary>One catalog provider: its URLs (templates), how it behaves, and what a connection must give.</summary>
/// <param name="Revocation"><c>rfc7009</c>, <c>custom</c> or <c>none</c>.</param>
/// <param name="Params">The placeholders a connection must give in <c>params</c>.</param>
/// <param name="Config">The keys it captures into a connection's <c>config</c> (besides the params).</param>
/// <param name="BuiltIn">False for an entry the operator added.</param>
public sealed record ProviderView(
    string Id,
    string Name,
    string? AuthorizeUrl,
    string? TokenUrl,
    string? RevokeUrl,
    string? UserInfoUrl,
    string? Issuer,
    string Revocation,
    string ScopeSeparator,
    string TokenAuthMethod,
    string TokenRequestBody,
    bool Pkce,
    string RefreshTokens,
    int? DefaultTokenLifetimeSeconds,
    IReadOnlyList<string> Params,
    IReadOnlyList<string> Config,
    IReadOnlyList<string> DefaultScopes,
    IReadOnlyDictionary<string, string> AuthorizeParams,
    string? DocsUrl,
    bool BuiltIn,
    IReadOnlyList<string> Notes)
{
    public static ProviderView From(ProviderEntry entry) => new(
        entry.Id,
        entry.Name,
        entry.AuthorizeUrl,
        entry.TokenUrl,
        entry.RevokeUrl,
        entry.UserInfoUrl,
        entry.Issuer,
        entry.RevokeUrl is null ? RevocationKinds.None : entry.Revocation.Kind,
        entry.ScopeSeparator,
        entry.TokenAuthMethod,
        entry.TokenRequestBody,
        entry.Pkce,
        entry.RefreshTokens,
        entry.DefaultTokenLifetimeSeconds,
        entry.Params,
        [.. entry.Config.Select(c => c.Key)],
        entry.DefaultScopes,
        entry.AuthorizeParams,
        entry.DocsUrl,
        BuiltInProviders.Find(entry.Id) is not null,
        entry.Notes);
}
