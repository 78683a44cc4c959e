using System.Security.Claims;
using System.Text.RegularExpressions;
using ActorOAuth.Abstractions;
using ActorOAuth.Api.Connections;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Api.Providers;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ActorOAuth.Api.Integrations;

/// <summary>
/// <c>/api/integrations</c>: the OAuth apps a tenant registered at third parties, one per app. Their connections use
/// their client id and secret (write-only) and URLs at every provider call.
/// </summary>
public static partial class IntegrationEndpoints
{
    public const string IdRule = "An integration id is 1 to 100 characters: a letter or digit, then letters, digits, '.', '_', '~' or '-'.";

    public static IEndpointRouteBuilder MapIntegrations(this IEndpointRouteBuilder routes)
    {
        var integrations = routes.MapGroup("/api/integrations").RequireAuthorization().RequireRateLimiting(RateLimiting.TenantPolicy).WithTags("Integrations")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        integrations.MapGet("/", List).WithName("ListIntegrations");
        var one = integrations.MapGroup("/{id}").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        one.MapPut("/", Put).WithName("PutIntegration");
        one.MapGet("/", Get).WithName("GetIntegration");
        one.MapDelete("/", Delete).WithName("DeleteIntegration").ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    public static bool IsId(string id) => Id().IsMatch(id);

    public static async Task<Ok<IntegrationListResponse>> List(ClaimsPrincipal user, IGrainFactory grains)
    {
        var tenant = user.Tenant();
        var ids = await grains.GetGrain<ITenantIntegrationsGrain>(tenant).List();
        var views = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                return await grains.GetGrain<IIntegrationGrain>(ConnectionKeys.For(tenant, id)).Get();
            }
            catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.NotFound)
            {
                return null;
            }
        }));
        return TypedResults.Ok(new IntegrationListResponse([.. views.OfType<IntegrationView>()]));
    }

    public static async Task<Results<Created<IntegrationView>, Ok<IntegrationView>, ValidationProblem>> Put(
        string id, IntegrationSettings settings, ClaimsPrincipal user, IGrainFactory grains, ProviderDirectory directory, ProviderUrlPolicy urls,
        CancellationToken cancellationToken)
    {
        var integration = Integration(grains, user, id);
        var given = settings.ToConnectionSettings();
        if (!string.IsNullOrEmpty(given.Provider))
        {
            if (directory.Find(given.Provider) is not { } entry)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["provider"] = [$"Unknown provider; GET /api/providers lists them ({string.Join(", ", directory.Entries.Keys.Order(StringComparer.Ordinal))})."],
                });
            }

            given = ProviderSettings.ApplyEntry(given, entry);
        }

        // URL templates keep their placeholders until a connection gives its params: checked here for form alone.
        var errors = ConnectionSettingsValidator.Validate(ProviderSettings.Sample(given), urls);
        if (errors.Count == 0)
        {
            foreach (var (field, url) in ProviderSettings.Templates(given).Where(t => !ProviderSettings.IsTemplated(new ConnectionSettings { TokenUrl = t.Url })))
            {
                var filled = UrlTemplates.Fill(url, given.ClientId, null, out _) ?? url;
                if (await urls.Problem(filled, cancellationToken) is { } problem)
                {
                    errors[field] = [problem];
                }
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await integration.Save(IntegrationSettings.From(given));
        return result.Created
            ? TypedResults.Created($"/api/integrations/{id}", result.Integration)
            : TypedResults.Ok(result.Integration);
    }

    public static async Task<Ok<IntegrationView>> Get(string id, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Integration(grains, user, id).Get());

    public static async Task<NoContent> Delete(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        await Integration(grains, user, id).Delete();
        return TypedResults.NoContent();
    }

    private static IIntegrationGrain Integration(IGrainFactory grains, ClaimsPrincipal user, string id) => IsId(id)
        ? grains.GetGrain<IIntegrationGrain>(ConnectionKeys.For(user.Tenant(), id))
        : throw new InvalidFieldException("id", IdRule);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}\z")]
    private static partial Regex Id();
}

/// <summary>A tenant's integrations, in id order.</summary>
public sealed record IntegrationListResponse(IReadOnlyList<IntegrationView> Items);
