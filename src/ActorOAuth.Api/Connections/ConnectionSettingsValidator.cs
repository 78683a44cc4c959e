using System.Net;
using System.Net.Sockets;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.Connections;

/// <summary>
/// Checks a PUT body before any grain sees it. Returns validation errors keyed by field (camelCase),
/// empty when the settings are acceptable.
/// </summary>
public static class ConnectionSettingsValidator
{
    public const int MaxScopes = 100;
    public const int MaxScopeLength = 200;
    public const int MaxUrlLength = 2048;
    public const int MaxMetadataEntries = 50;
    public const int MaxMetadataValueLength = 1000;

    private static readonly HashSet<string> HideableFields = new(StringComparer.Ordinal)
    {
        "provider", "authorizeUrl", "tokenUrl", "revokeUrl", "issuer", "clientId", "scopes", "metadata", "tokenAuthMethod",
    };

    public static Dictionary<string, string[]> Validate(ConnectionSettings settings, bool allowLoopback)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message];

        CheckUrl("authorizeUrl", settings.AuthorizeUrl, required: true);
        CheckUrl("tokenUrl", settings.TokenUrl, required: true);
        CheckUrl("revokeUrl", settings.RevokeUrl, required: false);
        CheckUrl("issuer", settings.Issuer, required: false);

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

        if (settings.Hidden?.FirstOrDefault(field => !HideableFields.Contains(field)) is { } unknown)
        {
            Add("hidden", $"'{Truncate(unknown)}' cannot be hidden; hideable fields: {string.Join(", ", HideableFields.Order())}.");
        }

        if (settings.AuthorizeParams is { } parameters
            && (parameters.Count > MaxMetadataEntries || parameters.Any(p => p.Key.Length is 0 or > 100 || p.Value.Length > MaxMetadataValueLength)))
        {
            Add("authorizeParams", $"At most {MaxMetadataEntries} parameters, names of 1 to 100 characters, values of at most {MaxMetadataValueLength}.");
        }
        else if (settings.AuthorizeParams?.Keys.FirstOrDefault(IsReservedParameter) is { } reserved)
        {
            Add("authorizeParams", $"'{Truncate(reserved)}' is set by ActorOAuth and cannot be overridden.");
        }

        if (settings.Metadata is { } metadata
            && (metadata.Count > MaxMetadataEntries || metadata.Any(p => p.Key.Length is 0 or > 100 || p.Value.Length > MaxMetadataValueLength)))
        {
            Add("metadata", $"At most {MaxMetadataEntries} entries, keys of 1 to 100 characters, values of at most {MaxMetadataValueLength}.");
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

            if (UrlProblem(value, allowLoopback) is { } problem)
            {
                Add(field, problem);
            }
        }
    }

    /// <summary>Why a provider URL is refused, or null when it is acceptable.</summary>
    public static string? UrlProblem(string value, bool allowLoopback)
    {
        if (value.Length > MaxUrlLength)
        {
            return $"The URL is longer than {MaxUrlLength} characters.";
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return "Not an absolute URL.";
        }

        if (uri.Scheme is not ("https" or "http"))
        {
            return $"The '{uri.Scheme}' scheme is not allowed; use https.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "URLs with user info (user:password@) are not allowed.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment) || value.Contains('#'))
        {
            return "URLs with a fragment (#…) are not allowed.";
        }

        var loopback = IsLoopbackHost(uri);
        if (uri.Scheme == "http" && !(allowLoopback && loopback))
        {
            return "Only https URLs are allowed (http only for loopback hosts in Development).";
        }

        if (loopback && !allowLoopback)
        {
            return "Loopback addresses are not allowed.";
        }

        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && !IPAddress.IsLoopback(address) && IsForbiddenAddress(address))
        {
            return "Private, link-local, multicast and cloud-metadata addresses are not allowed.";
        }

        return null;
    }

    /// <summary>Private (RFC 1918, unique-local), link-local (including cloud metadata), multicast, unspecified or loopback.</summary>
    public static bool IsForbiddenAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || b[0] == 0
                || b[0] >= 224;
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }

    private static bool IsLoopbackHost(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static bool IsScopeToken(string scope) =>
        scope.Length is > 0 and <= MaxScopeLength && scope.All(c => c is '!' or (>= '#' and <= '[') or (>= ']' and <= '~'));

    private static bool IsReservedParameter(string name) => name is "client_id" or "redirect_uri" or "state" or "response_type"
        or "code_challenge" or "code_challenge_method" or "scope";

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
