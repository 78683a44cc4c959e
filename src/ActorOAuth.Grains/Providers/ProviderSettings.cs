using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// From what a connection or integration gives to the settings its provider calls use: a catalog entry fills what is
/// not given (<see cref="ApplyEntry"/>), an integration's app settings stand in for a connection's own
/// (<see cref="ForConnection"/>), and the URL templates are filled from the client id and <c>params</c>
/// (<see cref="Fill"/>). The API does the first two when settings are saved; a connection of an integration does the
/// last two again before every provider call, with the integration's current secret and URLs.
/// </summary>
public static class ProviderSettings
{
    /// <summary>
    /// The entry's values where the settings give none: URLs (still templates), issuer, token authentication, PKCE,
    /// default scopes (only when none are given) and authorize parameters (the given ones win per name).
    /// </summary>
    public static ConnectionSettings ApplyEntry(ConnectionSettings given, ProviderEntry entry)
    {
        var authorizeParams = new Dictionary<string, string>(entry.AuthorizeParams, StringComparer.Ordinal);
        foreach (var (name, value) in given.AuthorizeParams ?? new Dictionary<string, string>())
        {
            authorizeParams[name] = value;
        }

        return given with
        {
            Provider = entry.Id,
            AuthorizeUrl = given.AuthorizeUrl ?? entry.AuthorizeUrl,
            TokenUrl = given.TokenUrl ?? entry.TokenUrl,
            RevokeUrl = given.RevokeUrl ?? entry.RevokeUrl,
            Issuer = given.Issuer ?? entry.Issuer,
            UserInfoUrl = given.UserInfoUrl ?? entry.UserInfoUrl,
            RefreshUrl = given.RefreshUrl ?? entry.RefreshUrl,
            TokenAuthMethod = given.TokenAuthMethod ?? entry.TokenAuthMethod,
            Pkce = given.Pkce ?? entry.Pkce,
            Scopes = given.Scopes is { Count: > 0 } || entry.DefaultScopes.Count == 0 ? given.Scopes : entry.DefaultScopes,
            AuthorizeParams = authorizeParams.Count == 0 ? given.AuthorizeParams : authorizeParams,
        };
    }

    /// <summary>
    /// A connection of an integration: the integration's app settings (credentials, URL templates, scopes) with the
    /// connection's own integration id, params, metadata and, when it gives any, scopes.
    /// </summary>
    public static ConnectionSettings ForConnection(ConnectionSettings app, ConnectionSettings given) => app with
    {
        Integration = given.Integration,
        Params = given.Params,
        Metadata = given.Metadata,
        Scopes = given.Scopes is { Count: > 0 } ? given.Scopes : app.Scopes,
        RefreshIntervalSeconds = given.RefreshIntervalSeconds,
    };

    /// <summary>
    /// The settings with every URL template filled, or null with <paramref name="problem"/> saying which param is
    /// missing, malformed or not a placeholder of any URL.
    /// </summary>
    public static ConnectionSettings? Fill(ConnectionSettings settings, out string? problem)
    {
        problem = null;
        var used = Templates(settings).SelectMany(t => UrlTemplates.Placeholders(t.Url)).ToHashSet(StringComparer.Ordinal);
        if (settings.Params?.Keys.FirstOrDefault(name => !used.Contains(name) || name == UrlTemplates.ClientId) is { } unknown)
        {
            problem = $"params.{unknown} is not a placeholder of the provider's URLs" + (used.Count > 1 || (used.Count == 1 && !used.Contains(UrlTemplates.ClientId))
                ? $" ({string.Join(", ", used.Where(u => u != UrlTemplates.ClientId).Order())})." : "; it takes no params.");
            return null;
        }

        string? firstProblem = null;
        string? Filled(string? url)
        {
            if (url is null)
            {
                return null;
            }

            var filled = UrlTemplates.Fill(url, settings.ClientId, settings.Params, out var urlProblem);
            firstProblem ??= urlProblem;
            return filled;
        }

        var result = settings with
        {
            AuthorizeUrl = Filled(settings.AuthorizeUrl),
            TokenUrl = Filled(settings.TokenUrl),
            RevokeUrl = Filled(settings.RevokeUrl),
            Issuer = Filled(settings.Issuer),
            UserInfoUrl = Filled(settings.UserInfoUrl),
            RefreshUrl = Filled(settings.RefreshUrl),
        };
        problem = firstProblem;
        return problem is null ? result : null;
    }

    /// <summary>A connection of an integration, resolved: <see cref="ForConnection"/> then <see cref="Fill"/>.</summary>
    public static ConnectionSettings? Effective(ConnectionSettings app, ConnectionSettings given, out string? problem) =>
        Fill(ForConnection(app, given), out problem);

    /// <summary>The settings with every placeholder replaced by a sample label, so their URLs can be checked for form alone.</summary>
    public static ConnectionSettings Sample(ConnectionSettings settings)
    {
        string? S(string? url) => url is null ? null
            : UrlTemplates.Fill(url, settings.ClientId, UrlTemplates.Placeholders(url).Distinct().ToDictionary(p => p, _ => "sample"), out _) ?? url;
        return settings with
        {
            AuthorizeUrl = S(settings.AuthorizeUrl),
            TokenUrl = S(settings.TokenUrl),
            RevokeUrl = S(settings.RevokeUrl),
            Issuer = S(settings.Issuer),
            UserInfoUrl = S(settings.UserInfoUrl),
            RefreshUrl = S(settings.RefreshUrl),
        };
    }

    /// <summary>Whether any URL of the settings has a placeholder other than <c>{clientId}</c>.</summary>
    public static bool IsTemplated(ConnectionSettings settings) =>
        Templates(settings).Any(t => UrlTemplates.Placeholders(t.Url).Any(p => p != UrlTemplates.ClientId));

    /// <summary>The URL fields of the settings, by field name (camelCase).</summary>
    public static IEnumerable<(string Field, string Url)> Templates(ConnectionSettings settings) =>
        new[]
        {
            ("authorizeUrl", settings.AuthorizeUrl), ("tokenUrl", settings.TokenUrl), ("revokeUrl", settings.RevokeUrl), ("issuer", settings.Issuer),
            ("userInfoUrl", settings.UserInfoUrl), ("refreshUrl", settings.RefreshUrl),
        }.Where(u => !string.IsNullOrEmpty(u.Item2)).Select(u => (u.Item1, u.Item2!));
}
