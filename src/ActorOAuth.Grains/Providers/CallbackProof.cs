using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// What a provider adds to the redirect back beyond <c>code</c> and <c>state</c>: values to keep in <c>config</c>
/// (QuickBooks' <c>realmId</c>) and proofs to check before the code is exchanged (Shopify's <c>hmac</c> and <c>shop</c>).
/// </summary>
public static class CallbackProof
{
    /// <summary>Why the redirect back fails the entry's proof, or null when it passes (or the entry asks for none).</summary>
    public static string? Problem(ProviderEntry entry, ConnectionSettings settings, CallbackRequest callback)
    {
        var rules = entry.Callback;
        if (rules.HostParam is { } hostParam)
        {
            var expected = UrlTemplates.Fill(rules.HostTemplate!, settings.ClientId, settings.Params, out _);
            var given = callback.Query?.GetValueOrDefault(hostParam);
            if (expected is null || !string.Equals(given, expected, StringComparison.OrdinalIgnoreCase))
            {
                return $"The callback's {hostParam} is not the connection's ({expected ?? "unknown"}).";
            }
        }

        if (rules.Hmac == "shopify")
        {
            if (callback.Query?.GetValueOrDefault("hmac") is not { } hmac)
            {
                return "The callback carries no hmac.";
            }

            if (string.IsNullOrEmpty(settings.ClientSecret) || !FixedTimeEquals(ShopifyHmac(settings.ClientSecret, callback), hmac))
            {
                return "The callback's hmac does not match.";
            }
        }

        return null;
    }

    /// <summary>
    /// Shopify's callback signature: HMAC-SHA256 (lower-case hex) under the client secret of every query parameter
    /// but <c>hmac</c> (and the legacy <c>signature</c>), sorted by name, as <c>name=value</c> joined by <c>&amp;</c>.
    /// </summary>
    public static string ShopifyHmac(string secret, CallbackRequest callback)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in callback.Query ?? new Dictionary<string, string>())
        {
            if (name is not ("hmac" or "signature"))
            {
                parameters[name] = value;
            }
        }

        parameters["state"] = callback.State;
        foreach (var (name, value) in new[] { ("code", callback.Code), ("error", callback.Error), ("error_description", callback.ErrorDescription), ("iss", callback.Issuer) })
        {
            if (value is not null)
            {
                parameters[name] = value;
            }
        }

        var message = string.Join('&', parameters.Select(p => p.Key + "=" + p.Value));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));
    }

    /// <summary>The config values the entry takes from the redirect back (<see cref="ConfigSources.Callback"/>); null when none.</summary>
    public static IReadOnlyDictionary<string, string>? Capture(ProviderEntry entry, CallbackRequest callback)
    {
        Dictionary<string, string>? config = null;
        foreach (var capture in entry.Config.Where(c => c.From == ConfigSources.Callback))
        {
            if (callback.Query?.GetValueOrDefault(capture.Path) is { Length: > 0 } value && ConnectionConfig.IsValue(value))
            {
                (config ??= new(StringComparer.Ordinal))[capture.Key] = value;
            }
        }

        return config;
    }

    private static bool FixedTimeEquals(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given.ToLowerInvariant()));
}
