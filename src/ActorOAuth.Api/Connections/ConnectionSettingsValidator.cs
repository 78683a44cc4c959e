using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Security;

namespace ActorOAuth.Api.Connections;

/// <summary>
/// Checks a PUT body before any grain sees it. Returns validation errors keyed by field (camelCase),
/// empty when the settings are acceptable.
/// </summary>
public static class ConnectionSettingsValidator
{
    public const int MaxScopes = 100;
    public const int MaxScopeLength = 200;
    public const int MaxMetadataEntries = 50;
    public const int MaxMetadataValueLength = 1000;

    private static readonly HashSet<string> HideableFields = new(StringComparer.Ordinal)
    {
        "provider", "authorizeUrl", "tokenUrl", "revokeUrl", "issuer", "clientId", "scopes", "metadata", "tokenAuthMethod",
        "userInfoUrl", "refreshUrl",
    };

    /// <summary>The URL fields of the settings, by field name.</summary>
    public static IEnumerable<(string Field, string Url)> Urls(ConnectionSettings settings) =>
        new[]
        {
            ("authorizeUrl", settings.AuthorizeUrl), ("tokenUrl", settings.TokenUrl), ("revokeUrl", settings.RevokeUrl), ("issuer", settings.Issuer),
            ("userInfoUrl", settings.UserInfoUrl), ("refreshUrl", settings.RefreshUrl),
        }.Where(u => !string.IsNullOrEmpty(u.Item2)).Select(u => (u.Item1, u.Item2!));

    public static Dictionary<string, string[]> Validate(ConnectionSettings settings, ProviderUrlPolicy urls)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message];

        // With an issuer, discovery fills the endpoints that are not given.
        var discoverable = !string.IsNullOrEmpty(settings.Issuer);
        CheckUrl("authorizeUrl", settings.AuthorizeUrl, required: !discoverable);
        CheckUrl("tokenUrl", settings.TokenUrl, required: !discoverable);
        CheckUrl("revokeUrl", settings.RevokeUrl, required: false);
        CheckUrl("issuer", settings.Issuer, required: false);
        CheckUrl("userInfoUrl", settings.UserInfoUrl, required: false);
        CheckUrl("refreshUrl", settings.RefreshUrl, required: false);

        if (string.IsNullOrWhiteSpace(settings.ClientId))
        {
            Add("clientId", "A clientId is required.");
        }
        else if (settings.ClientId.Length > 500)
        {
            Add("clientId", "The clientId is longer than 500 characters.");
        }

        if (settings.ClientSecret is { Length: > 2000 })
        {
            Add("clientSecret", "The clientSecret is longer than 2000 characters.");
        }

        if (settings.Scopes is { } scopes)
        {
            if (scopes.Count > MaxScopes)
            {
                Add("scopes", $"At most {MaxScopes} scopes are allowed.");
            }
            else if (scopes.Any(scope => scope is null))
            {
                Add("scopes", "A scope cannot be null.");
            }
            else if (scopes.FirstOrDefault(scope => !IsScopeToken(scope)) is { } bad)
            {
                Add("scopes", $"'{Truncate(bad)}' is not an RFC 6749 scope token (1 to {MaxScopeLength} printable ASCII characters without space, '\"' or '\\').");
            }
        }

        if (settings.TokenAuthMethod is { } method && method is not (TokenAuthMethods.ClientSecretBasic or TokenAuthMethods.ClientSecretPost))
        {
            Add("tokenAuthMethod", "Use client_secret_basic or client_secret_post.");
        }

        if (settings.RefreshIntervalSeconds is < 60 or > 31_536_000)
        {
            Add("refreshIntervalSeconds", "Between 60 and 31536000 seconds.");
        }

        if (settings.Hidden?.Any(field => field is null) == true)
        {
            Add("hidden", "A hidden field cannot be null.");
        }
        else if (settings.Hidden?.FirstOrDefault(field => !HideableFields.Contains(field)) is { } unknown)
        {
            Add("hidden", $"'{Truncate(unknown)}' cannot be hidden; hideable fields: {string.Join(", ", HideableFields.Order())}.");
        }

        if (NullValue(settings.AuthorizeParams) is { } nullParameter)
        {
            Add("authorizeParams", $"The value of '{Truncate(nullParameter)}' cannot be null.");
        }
        else if (settings.AuthorizeParams is { } parameters
            && (parameters.Count > MaxMetadataEntries || parameters.Any(p => p.Key.Length is 0 or > 100 || p.Value.Length > MaxMetadataValueLength)))
        {
            Add("authorizeParams", $"At most {MaxMetadataEntries} parameters, names of 1 to 100 characters, values of at most {MaxMetadataValueLength}.");
        }
        else if (settings.AuthorizeParams?.Keys.FirstOrDefault(IsReservedParameter) is { } reserved)
        {
            Add("authorizeParams", $"'{Truncate(reserved)}' is set by ActorOAuth and cannot be overridden.");
        }

        if (NullValue(settings.Metadata) is { } nullEntry)
        {
            Add("metadata", $"The value of '{Truncate(nullEntry)}' cannot be null.");
        }
        else if (settings.Metadata is { } metadata
            && (metadata.Count > MaxMetadataEntries || metadata.Any(p => p.Key.Length is 0 or > 100 || p.Value.Length > MaxMetadataValueLength)))
        {
            Add("metadata", $"At most {MaxMetadataEntries} entries, keys of 1 to 100 characters, values of at most {MaxMetadataValueLength}.");
        }

        foreach (var problem in ParamProblems(settings.Params))
        {
            Add("params", problem);
        }

        return errors;

        void CheckUrl(string field, string? value, bool required)
        {
            if (string.IsNullOrEmpty(value))
            {
                if (required)
                {
                    Add(field, $"{field} is required (or name a provider that supplies it).");
                }

                return;
            }

            if (urls.FormProblem(value) is { } problem)
            {
                Add(field, problem);
            }
        }
    }

    /// <summary>What is wrong with a connection's <c>params</c>: names, count, and each value a DNS label or host name.</summary>
    public static IEnumerable<string> ParamProblems(IReadOnlyDictionary<string, string>? parameters)
    {
        if (parameters is null)
        {
            yield break;
        }

        if (parameters.Count > Grains.Providers.UrlTemplates.MaxParams)
        {
            yield return $"At most {Grains.Providers.UrlTemplates.MaxParams} params.";
            yield break;
        }

        foreach (var (name, value) in parameters)
        {
            if (!Grains.Providers.UrlTemplates.IsParamName(name))
            {
                yield return $"'{Truncate(name)}' is not a param name (a letter, then letters and digits, at most 40).";
            }
            else if (!Grains.Providers.UrlTemplates.IsHostName(value))
            {
                yield return $"params.{name} must be a DNS label or host name (letters, digits and inner hyphens, labels joined by dots); it is filled into the provider's URLs.";
            }
        }
    }

    /// <summary>The first key whose value is null: JSON allows it although the type does not.</summary>
    private static string? NullValue(IReadOnlyDictionary<string, string>? entries) =>
        entries?.FirstOrDefault(entry => entry.Value is null).Key;

    private static bool IsScopeToken(string scope) =>
        scope.Length is > 0 and <= MaxScopeLength && scope.All(c => c is '!' or (>= '#' and <= '[') or (>= ']' and <= '~'));

    private static bool IsReservedParameter(string name) => name is "client_id" or "redirect_uri" or "state" or "response_type"
        or "code_challenge" or "code_challenge_method" or "scope";

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
