using System.Diagnostics;
using System.Security.Claims;
using System.Text.RegularExpressions;
using ActorOAuth.Abstractions;
using ActorOAuth.Api.Connections.Handout;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Api.Integrations;
using ActorOAuth.Api.Providers;
using ActorOAuth.Grains.Security;
using ActorOAuth.Grains.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Connections;

/// <summary>The <c>/api/connections</c> endpoints of the HTTP contract.</summary>
public static partial class ConnectionEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The grain type of <c>ConnectionGrain</c> (its <c>[GrainType("connection")]</c>).</summary>
    private static readonly GrainType ConnectionGrainType = GrainType.Create("connection");
    private static ConnectionGrainTypes? _connectionTypes;

    public static IEndpointRouteBuilder MapConnections(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").RequireAuthorization().RequireRateLimiting(RateLimiting.TenantPolicy).WithTags("Connections")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("/callback-url", GetCallbackUrl).WithName("GetCallbackUrl");

        var connections = api.MapGroup("/connections");
        connections.MapGet("/", List).WithName("ListConnections").ProducesValidationProblem();

        // Every handler checks the id first, in Connection(...): a bad one is a validation problem (400).
        // A change that could not be stored, or a silo being declared dead: 503 with Retry-After, nothing changed.
        var one = connections.MapGroup("/{id}").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        one.MapPut("/", Put).WithName("PutConnection");
        one.MapGet("/", Get).WithName("GetConnection");
        one.MapDelete("/", Delete).WithName("DeleteConnection");
        one.MapPost("/authorize", Authorize).WithName("AuthorizeConnection");
        one.MapPost("/token", Token).WithName("GetAccessToken").Produces<TokenResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        one.MapPost("/errors", ReportError).WithName("ReportConnectionError").ProducesProblem(StatusCodes.Status409Conflict);
        one.MapPost("/disconnect", Disconnect).WithName("DisconnectConnection");
        one.MapGet("/logs", Logs).WithName("GetConnectionLogs");
        one.MapPost("/check", Check).WithName("CheckConnection").ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    public static Ok<CallbackUrlResponse> GetCallbackUrl(ClaimsPrincipal user, IOptions<ActorOAuthOptions> options) =>
        TypedResults.Ok(new CallbackUrlResponse(options.Value.CallbackUrlFor(user.Tenant())));

    /// <summary>
    /// A page of the tenant's connections in id order, filtered by <c>status</c>, <c>provider</c>, <c>integration</c>
    /// and any number of <c>metadata.{key}={value}</c> parameters (all must match).
    /// </summary>
    public static async Task<Results<Ok<ConnectionListResponse>, ValidationProblem>> List(
        ClaimsPrincipal user, IGrainFactory grains, HttpRequest request, string? status, string? provider, string? integration, string? cursor, int? limit)
    {
        var filter = ConnectionListing.Parse(status, provider, integration, request.Query, out var errors);
        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"Between 1 and {MaxPageSize}."];
        }

        if (filter is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await ConnectionListing.Page(grains, user.Tenant(), filter, cursor, limit ?? DefaultPageSize));
    }

    public static async Task<Results<Created<ConnectionView>, Ok<ConnectionView>, ValidationProblem>> Put(
        string id, ConnectionSettings settings, ClaimsPrincipal user, IGrainFactory grains, IOptions<ActorOAuthOptions> options, ProviderUrlPolicy urls,
        ProviderDirectory directory, CancellationToken cancellationToken)
    {
        var connection = Connection(grains, user, id);
        var (resolved, errors) = settings.Integration is null
            ? ProviderCatalog.Resolve(settings, directory, urls)
            : await IntegrationConnections.Resolve(settings, grains, user.Tenant(), urls);
        if (errors.Count == 0)
        {
            // Only well-formed URLs get a DNS lookup: every address a host resolves to must be allowed.
            foreach (var (field, url) in ConnectionSettingsValidator.Urls(resolved!))
            {
                if (await urls.Problem(url, cancellationToken) is { } problem)
                {
                    errors[field] = [problem];
                }
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // A connection of an integration is saved as it was given: the grain resolves it again with the integration's secret.
        var result = await connection.Save(settings.Integration is null ? resolved! : settings, options.Value.CallbackUrlFor(user.Tenant()));
        return result.Created
            ? TypedResults.Created($"/api/connections/{id}", result.Connection)
            : TypedResults.Ok(result.Connection);
    }

    public static async Task<Ok<ConnectionView>> Get(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Connection(grains, user, id).Get());

    public static async Task<NoContent> Delete(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        await Connection(grains, user, id).Delete();
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<AuthorizeResponse>, ValidationProblem>> Authorize(
        string id, AuthorizeRequest? request, ClaimsPrincipal user, IGrainFactory grains, IOptions<ActorOAuthOptions> options)
    {
        var connection = Connection(grains, user, id);
        var tenant = user.Tenant();
        string? returnUrl = null;
        if (request?.ReturnUrl is { } requested
            && !ReturnUrls.TryNormalize(requested, options.Value.Tenants.TryGetValue(tenant, out var t) ? t.ReturnUrlOrigins : [], out returnUrl, out var problem))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["returnUrl"] = [problem] });
        }

        var start = await connection.Authorize(options.Value.CallbackUrlFor(tenant), returnUrl);
        return TypedResults.Ok(new AuthorizeResponse(start.AuthorizationUrl, start.ExpiresAt));
    }

    /// <summary>
    /// The hot path: a used, valid, not-due connection's token comes from memory without a grain call
    /// (<see cref="TokenHandout"/>); anything else asks the connection. Either way the response is a <see cref="TokenBody"/>.
    /// </summary>
    public static ValueTask<IResult> Token(string id, TokenRequest? request, ClaimsPrincipal user, IGrainFactory grains, TokenHandout handout)
    {
        EnsureValidId(id);
        var started = Stopwatch.GetTimestamp();
        var forceRefresh = request?.ForceRefresh ?? false;
        if (!forceRefresh && handout.TryServe(user.Tenant(), id) is { } served)
        {
            ActorOAuthMetrics.TokenHandedOut(started);
            return ValueTask.FromResult(served);
        }

        return new(Fetched(handout.FetchAsync(Connection(grains, user, id), user.Tenant(), id, forceRefresh), started));
    }

    /// <summary>A fetch that asked the connection, counted once it answered.</summary>
    private static async Task<IResult> Fetched(Task<IResult> fetch, long startedAt)
    {
        var result = await fetch;
        ActorOAuthMetrics.TokenHandedOut(startedAt);
        return result;
    }

    /// <summary>Asks the provider whether the access token still works (its cheap identity call): <c>{ ok, status, detail }</c>.</summary>
    public static async Task<Ok<ConnectionCheck>> Check(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Connection(grains, user, id).Check());

    public static async Task<Results<NoContent, ValidationProblem>> ReportError(string id, ErrorReport report, ClaimsPrincipal user, IGrainFactory grains)
    {
        var connection = Connection(grains, user, id);
        if (ErrorReports.Validate(report) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await connection.ReportError(report.Code, report.Message);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ConnectionView>> Disconnect(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Connection(grains, user, id).Disconnect());

    public static async Task<Results<Ok<LogsResponse>, ValidationProblem>> Logs(string id, int? limit, ClaimsPrincipal user, IGrainFactory grains)
    {
        var connection = Connection(grains, user, id);
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxPageSize}."] });
        }

        return TypedResults.Ok(new LogsResponse(await connection.GetLogs(limit ?? DefaultPageSize)));
    }

    /// <summary>
    /// The tenant's connection grain, once the id is checked (a bad one throws <see cref="InvalidFieldException"/>, a
    /// validation problem). <c>GetGrain&lt;T&gt;(string)</c> resolves the interface's grain interface type by
    /// reflection on every call (custom attributes, type-name parsing: about 6 % of a token fetch's CPU and a sixth of
    /// its allocations), so the grain and interface types of the first reference are kept and each later request only
    /// builds the grain id. A first reference that does not name the connection grain type (a stub, while a cluster
    /// client has no manifest yet) is not kept.
    /// </summary>
    private static IConnectionGrain Connection(IGrainFactory grains, ClaimsPrincipal user, string id)
    {
        EnsureValidId(id);
        var key = ConnectionKeys.For(user.Tenant(), id);
        if (_connectionTypes is { } types)
        {
            return (IConnectionGrain)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        var grain = grains.GetGrain<IConnectionGrain>(key);
        if (grain is GrainReference reference && reference.GrainId.Type == ConnectionGrainType)
        {
            _connectionTypes = new ConnectionGrainTypes(reference.GrainId.Type, reference.InterfaceType);
        }

        return grain;
    }

    private static void EnsureValidId(string id)
    {
        if (!ConnectionId().IsMatch(id))
        {
            throw new InvalidFieldException("id", "A connection id is 1 to 100 characters: a letter or digit, then letters, digits, '.', '_', '~' or '-'.");
        }
    }

    /// <summary>Kept as one object, so a request reads both types from the same write.</summary>
    private sealed record ConnectionGrainTypes(GrainType Grain, GrainInterfaceType Interface);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$")]
    private static partial Regex ConnectionId();
}
