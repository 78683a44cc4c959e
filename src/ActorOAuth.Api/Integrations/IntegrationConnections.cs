using ActorOAuth.Abstractions;
using ActorOAuth.Api.Connections;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;

namespace ActorOAuth.Api.Integrations;

/// <summary>
/// A connection of an integration (<c>"integration": "slack-prod"</c>) before its grain sees it: it gives only
/// <c>integration</c>, <c>scopes</c>, <c>params</c> and <c>metadata</c>; the integration must exist; its params must
/// fill the integration's URL templates into URLs the policy accepts.
/// </summary>
public static class IntegrationConnections
{
    /// <summary>
    /// What the connection resolves to with the integration's current settings (without the secret, for the URL
    /// checks), or validation errors keyed by field.
    /// </summary>
    public static async Task<(ConnectionSettings? Settings, Dictionary<string, string[]> Errors)> Resolve(
        ConnectionSettings settings, IGrainFactory grains, string tenant, ProviderUrlPolicy urls)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var field in AppFields(settings))
        {
            errors[field] = [$"A connection of an integration gives only integration, scopes, params and metadata: {field} comes from the integration."];
        }

        if (!IntegrationEndpoints.IsId(settings.Integration!))
        {
            errors["integration"] = [IntegrationEndpoints.IdRule];
        }

        // The checks every connection's scopes, params and metadata get, on a probe that has nothing else to refuse.
        var probe = ConnectionSettingsValidator.Validate(new ConnectionSettings
        {
            Scopes = settings.Scopes,
            Params = settings.Params,
            Metadata = settings.Metadata,
            ClientId = "probe",
            AuthorizeUrl = "https://integration.invalid/",
            TokenUrl = "https://integration.invalid/",
        }, urls);
        foreach (var (field, messages) in probe)
        {
            errors[field] = messages;
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        IntegrationView integration;
        try
        {
            integration = await grains.GetGrain<IIntegrationGrain>(ConnectionKeys.For(tenant, settings.Integration!)).Get();
        }
        catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.NotFound)
        {
            errors["integration"] = [$"No integration '{settings.Integration}' in this tenant; create it with PUT /api/integrations/{settings.Integration} first."];
            return (null, errors);
        }

        var app = new ConnectionSettings
        {
            Provider = integration.Provider,
            AuthorizeUrl = integration.AuthorizeUrl,
            TokenUrl = integration.TokenUrl,
            RevokeUrl = integration.RevokeUrl,
            Issuer = integration.Issuer,
            UserInfoUrl = integration.UserInfoUrl,
            RefreshUrl = integration.RefreshUrl,
            ClientId = integration.ClientId,
            Scopes = integration.Scopes,
        };
        if (ProviderSettings.Effective(app, settings, out var problem) is not { } effective)
        {
            errors["params"] = [problem!];
            return (null, errors);
        }

        return (effective, errors);
    }

    /// <summary>The app-level fields the connection gave, which only its integration may give.</summary>
    private static IEnumerable<string> AppFields(ConnectionSettings s)
    {
        var given = new (string Field, bool Given)[]
        {
            ("provider", s.Provider is not null), ("authorizeUrl", s.AuthorizeUrl is not null), ("tokenUrl", s.TokenUrl is not null),
            ("revokeUrl", s.RevokeUrl is not null), ("issuer", s.Issuer is not null), ("userInfoUrl", s.UserInfoUrl is not null),
            ("refreshUrl", s.RefreshUrl is not null), ("clientId", s.ClientId is not null), ("clientSecret", s.ClientSecret is not null),
            ("authorizeParams", s.AuthorizeParams is not null), ("tokenAuthMethod", s.TokenAuthMethod is not null), ("pkce", s.Pkce is not null),
            ("refreshIntervalSeconds", s.RefreshIntervalSeconds is not null), ("hidden", s.Hidden is not null),
        };
        return given.Where(g => g.Given).Select(g => g.Field);
    }
}
