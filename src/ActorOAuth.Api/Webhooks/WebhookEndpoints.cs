using System.Security.Claims;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ActorOAuth.Abstractions;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Grains.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ActorOAuth.Api.Webhooks;

/// <summary>
/// The <c>/api/webhooks</c> endpoints: a tenant registers where its connection events go, rotates the signing secret
/// and reads each endpoint's delivery log. URLs follow the provider URL rules (no private addresses; <c>http</c> and
/// loopback only in Development), checked here with a DNS lookup and again for every address each delivery connects to.
/// </summary>
public static partial class WebhookEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder routes)
    {
        var webhooks = routes.MapGroup("/api/webhooks").RequireAuthorization().RequireRateLimiting(RateLimiting.TenantPolicy).WithTags("Webhooks")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        webhooks.MapGet("/", List).WithName("ListWebhooks");
        var one = webhooks.MapGroup("/{id}").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        one.MapPut("/", Put).WithName("PutWebhook").ProducesProblem(StatusCodes.Status409Conflict);
        one.MapGet("/", Get).WithName("GetWebhook");
        one.MapDelete("/", Delete).WithName("DeleteWebhook");
        one.MapPost("/rotate-secret", RotateSecret).WithName("RotateWebhookSecret");
        one.MapGet("/deliveries", Deliveries).WithName("GetWebhookDeliveries");
        return routes;
    }

    public static async Task<Results<Created<WebhookResponse>, Ok<WebhookResponse>, ValidationProblem>> Put(
        string id, WebhookRequest request, ClaimsPrincipal user, IGrainFactory grains, ProviderUrlPolicy urls, CancellationToken cancellationToken)
    {
        var webhooks = Webhooks(grains, user, id);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Url))
        {
            errors["url"] = ["Required: the absolute https URL deliveries are POSTed to."];
        }
        else if (await urls.Problem(request.Url, cancellationToken) is { } problem)
        {
            errors["url"] = [problem];
        }

        if (request.Events is { } events)
        {
            if (events.Count == 0)
            {
                errors["events"] = ["Give at least one event type, or leave events out for all of them."];
            }
            else if (events.FirstOrDefault(e => !WebhookEventTypes.All.Contains(e)) is { } unknown)
            {
                errors["events"] = [$"'{unknown}' is not an event type; the types are {string.Join(", ", WebhookEventTypes.All)}."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var saved = await webhooks.Put(id, request.Url!, request.Events);
        var response = WebhookResponse.From(saved.Webhook, saved.Secret);
        return saved.Created ? TypedResults.Created($"/api/webhooks/{id}", response) : TypedResults.Ok(response);
    }

    public static async Task<Ok<WebhookListResponse>> List(ClaimsPrincipal user, IGrainFactory grains)
    {
        var views = await grains.GetGrain<ITenantWebhooksGrain>(user.Tenant()).List();
        return TypedResults.Ok(new WebhookListResponse([.. views.Select(v => WebhookResponse.From(v, null))]));
    }

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        await Webhooks(grains, user, id).Get(id) is { } view ? TypedResults.Ok(WebhookResponse.From(view, null)) : NotFound(id);

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        await Webhooks(grains, user, id).Delete(id) ? TypedResults.NoContent() : NotFound(id);

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> RotateSecret(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        await Webhooks(grains, user, id).RotateSecret(id) is { } saved ? TypedResults.Ok(WebhookResponse.From(saved.Webhook, saved.Secret)) : NotFound(id);

    public static async Task<Results<Ok<DeliveriesResponse>, ValidationProblem, ProblemHttpResult>> Deliveries(
        string id, int? limit, ClaimsPrincipal user, IGrainFactory grains)
    {
        var webhooks = Webhooks(grains, user, id);
        if (limit is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxPageSize}."] });
        }

        return await webhooks.Deliveries(id, limit ?? DefaultPageSize) is { } items ? TypedResults.Ok(new DeliveriesResponse(items)) : NotFound(id);
    }

    /// <summary>The tenant's webhooks grain, once the id is checked (a bad one is a validation problem).</summary>
    private static ITenantWebhooksGrain Webhooks(IGrainFactory grains, ClaimsPrincipal user, string id)
    {
        if (!WebhookId().IsMatch(id))
        {
            throw new InvalidFieldException("id", "A webhook id is 1 to 100 characters: a letter or digit, then letters, digits, '.', '_', '~' or '-'.");
        }

        return grains.GetGrain<ITenantWebhooksGrain>(user.Tenant());
    }

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Webhook not found", detail: $"No webhook '{id}'.",
        extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.WebhookNotFound });

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$")]
    private static partial Regex WebhookId();
}

/// <summary>The body of <c>PUT /api/webhooks/{id}</c>: where deliveries go and which event types (all when left out).</summary>
public sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events);

/// <summary>An endpoint; <c>secret</c> only in the answer that created or rotated it.</summary>
public sealed record WebhookResponse(
    string Id,
    string Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string>? Events,
    string? Secret,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PreviousSecretExpiresAt)
{
    public static WebhookResponse From(WebhookView view, string? secret) =>
        new(view.Id, view.Url, view.Events, secret, view.CreatedAt, view.UpdatedAt, view.PreviousSecretExpiresAt);
}

/// <summary>The tenant's endpoints, without secrets.</summary>
public sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Items);

/// <summary>An endpoint's deliveries, newest first.</summary>
public sealed record DeliveriesResponse(IReadOnlyList<WebhookDeliveryView> Items);
