using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.Connections;

/// <summary>Fills the URLs a catalog provider supplies; explicit URLs always win.</summary>
public static class ProviderCatalog
{
    public static ConnectionSettings Apply(ConnectionSettings settings, ActorOAuthOptions options, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(settings.Provider))
        {
            return settings;
        }

        if (!options.Providers.TryGetValue(settings.Provider, out var entry))
        {
            error = $"Unknown provider; known: {string.Join(", ", options.Providers.Keys.Order())}. Omit it and give the URLs for a custom connection.";
            return settings;
        }

        return settings with
        {
            AuthorizeUrl = settings.AuthorizeUrl ?? entry.AuthorizeUrl,
            TokenUrl = settings.TokenUrl ?? entry.TokenUrl,
            RevokeUrl = settings.RevokeUrl ?? entry.RevokeUrl,
            Issuer = settings.Issuer ?? entry.Issuer,
        };
    }
}
