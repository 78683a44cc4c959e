using System.Text.Json;
using ActorOAuth.Grains.Security;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// Reads a token endpoint's answer the way the provider's catalog entry says (where the tokens are, errors on HTTP 200,
/// scope separators, config captured from the response) into a token set, or the failure it is after all.
/// </summary>
internal static class TokenResponseReader
{
    /// <summary>The token type when the provider names none or names exactly this (then one string every connection shares).</summary>
    private const string DefaultTokenType = "Bearer";

    /// <param name="previous">The tokens held before (a refresh): a response without a refresh token keeps theirs.</param>
    /// <param name="known">Scopes the connection already holds (requested, or granted before): granted scopes equal to
    /// them are kept as those very strings, so a connection does not hold each scope twice.</param>
    public static ProviderTokenResult Read(ProviderAnswer answer, ProviderEntry entry, TokenSet? previous, IReadOnlyList<string> known, DateTimeOffset now)
    {
        if (answer.Failure(entry.TokenResponse.OkField) is { } failure)
        {
            return new(null, failure);
        }

        if (!answer.IsSuccess)
        {
            return new(null, answer.Classify());
        }

        if (answer.Body is not { ValueKind: JsonValueKind.Object } root)
        {
            return new(null, new ProviderError("invalid_response", "The token endpoint answered without a JSON or form-encoded object.", Transient: true));
        }

        var tokens = root;
        if (JsonValues.String(root, "access_token") is null && entry.TokenResponse.Nested is { } nested
            && root.TryGetProperty(nested, out var inner) && inner.ValueKind == JsonValueKind.Object)
        {
            tokens = inner;
        }

        var accessToken = JsonValues.String(tokens, "access_token");
        if (string.IsNullOrEmpty(accessToken))
        {
            return new(null, new ProviderError("invalid_response", "The token endpoint answered without an access_token.", Transient: true));
        }

        var refreshToken = JsonValues.String(tokens, "refresh_token");
        var tokenType = JsonValues.String(tokens, "token_type");
        if (BrokenField(accessToken, refreshToken, tokenType) is { } field)
        {
            // Not transient: a provider that answers broken tokens keeps doing so, and retrying a refresh whose answer
            // was refused may present a refresh token the provider already rotated (reuse detection can revoke the
            // whole grant). The connection errors at once and the operator sees which field was broken. The value is
            // never repeated: it is a token.
            return new(null, new ProviderError(ProviderClient.InvalidTokenResponse,
                $"The token endpoint answered a {field} that breaks RFC 6749's syntax ({Rule(field)}); the response was not stored.", Transient: false));
        }

        // A response without a refresh token keeps the one held (no rotation at this provider).
        var heldRefreshToken = string.IsNullOrEmpty(refreshToken) ? previous?.RefreshToken : refreshToken;
        var expiresIn = JsonValues.Seconds(tokens, "expires_in");
        return new(new TokenSet
        {
            AccessToken = accessToken,
            TokenType = string.IsNullOrEmpty(tokenType) || tokenType == DefaultTokenType ? DefaultTokenType : tokenType,
            RefreshToken = heldRefreshToken,
            IssuedAt = now,
            // 0 means "never" (Mailchimp); a missing expires_in is unknown, unless the entry says how long its tokens live.
            ExpiresAt = expiresIn switch
            {
                > 0 => now.AddSeconds(expiresIn.Value),
                null when heldRefreshToken is not null && entry.DefaultTokenLifetimeSeconds is { } lifetime => now.AddSeconds(lifetime),
                _ => null,
            },
            GrantedScopes = Shared(Scopes(tokens, entry.TokenResponse.ScopeSeparator ?? entry.ScopeSeparator), known) ?? previous?.GrantedScopes ?? [],
            Config = Capture(root, entry),
        }, null);
    }

    /// <summary>The config values an entry captures from a token response (<see cref="ConfigSources.Token"/>); null when none.</summary>
    private static IReadOnlyDictionary<string, string>? Capture(JsonElement root, ProviderEntry entry)
    {
        Dictionary<string, string>? config = null;
        foreach (var capture in entry.Config.Where(c => c.From == ConfigSources.Token))
        {
            if (JsonValues.ValueAt(root, capture.Path) is { } value)
            {
                (config ??= new(StringComparer.Ordinal))[capture.Key] = value;
            }
        }

        return config;
    }

    /// <summary>
    /// <paramref name="scopes"/> with each scope equal to one in <paramref name="known"/> replaced by that string, or
    /// <paramref name="known"/> itself when the two are equal.
    /// </summary>
    private static IReadOnlyList<string>? Shared(IReadOnlyList<string>? scopes, IReadOnlyList<string> known)
    {
        if (scopes is null || known.Count == 0)
        {
            return scopes;
        }

        if (scopes.SequenceEqual(known, StringComparer.Ordinal))
        {
            return known;
        }

        return [.. scopes.Select(scope => known.FirstOrDefault(k => string.Equals(k, scope, StringComparison.Ordinal)) ?? scope)];
    }

    /// <summary>The granted scopes: <c>scope</c> (or <c>scopes</c>) as a string joined by <paramref name="separator"/>, or an array; null when absent.</summary>
    private static IReadOnlyList<string>? Scopes(JsonElement element, string separator)
    {
        foreach (var name in new[] { "scope", "scopes" })
        {
            if (!element.TryGetProperty(name, out var value))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
            {
                var separators = separator == " " ? new[] { ' ' } : new[] { separator[0], ' ' };
                return value.GetString()!.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                return [.. value.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!)];
            }
        }

        return null;
    }

    /// <summary>The first field of a successful token response that breaks RFC 6749 Appendix A, or null.</summary>
    private static string? BrokenField(string accessToken, string? refreshToken, string? tokenType)
    {
        if (!OAuthSyntax.IsVsChars(accessToken))
        {
            return "access_token";
        }

        if (!string.IsNullOrEmpty(refreshToken) && !OAuthSyntax.IsVsChars(refreshToken))
        {
            return "refresh_token";
        }

        return !string.IsNullOrEmpty(tokenType) && !OAuthSyntax.IsTokenType(tokenType) ? "token_type" : null;
    }

    private static string Rule(string field) => field == "token_type"
        ? "a type name of letters, digits, '-', '.' and '_', or an absolute URI"
        : "printable ASCII characters and spaces only";
}
