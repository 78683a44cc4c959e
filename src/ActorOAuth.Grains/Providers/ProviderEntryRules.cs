using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// What the JSON schema cannot say about a catalog entry: every URL template's placeholders are declared, every URL
/// is absolute https once filled, and the fields agree with each other (no revocation kind without a URL, and so on).
/// </summary>
public static class ProviderEntryRules
{
    public static IEnumerable<string> Problems(ProviderEntry entry)
    {
        if (!UrlTemplates.IsParamName(entry.Id) || entry.Id != entry.Id.ToLowerInvariant())
        {
            yield return "id must be the provider's name in lower case, one word";
        }

        foreach (var problem in UrlProblems(entry, requireHttps: true))
        {
            yield return problem;
        }

        if (entry.AuthorizeUrl is null || entry.TokenUrl is null)
        {
            yield return "authorizeUrl and tokenUrl are required";
        }

        foreach (var name in entry.Params.Where(p => !UrlTemplates.IsParamName(p) || p == UrlTemplates.ClientId))
        {
            yield return $"param '{name}' is not a valid placeholder name";
        }

        foreach (var unused in entry.Params.Where(p => !entry.Urls.Any(u => UrlTemplates.Placeholders(u.Url).Contains(p))))
        {
            yield return $"param '{unused}' appears in no URL";
        }

        if (entry.TokenAuthMethod is not (TokenAuthMethods.ClientSecretBasic or TokenAuthMethods.ClientSecretPost))
        {
            yield return "tokenAuthMethod must be client_secret_basic or client_secret_post";
        }

        if ((entry.Revocation.Kind == RevocationKinds.None) != (entry.RevokeUrl is null))
        {
            yield return "revokeUrl must be given exactly when revocation.kind is not none";
        }

        if (entry.Revocation.Kind == RevocationKinds.Rfc7009
            && (entry.Revocation.Method != "POST" || entry.Revocation.Body != TokenBodies.Form || entry.Revocation.TokenField != "token"))
        {
            yield return "an rfc7009 revocation is a form POST of token; use kind custom for anything else";
        }

        if (entry.Revocation.Auth == RevocationAuths.Bearer && entry.Revocation.Body != "none" && entry.Revocation.TokenField is not null)
        {
            yield return "a bearer revocation sends the token as the credential, not in the body";
        }

        if (entry.RefreshTokens == RefreshTokenKinds.None && entry.DefaultTokenLifetimeSeconds is not null)
        {
            yield return "defaultTokenLifetimeSeconds needs refresh tokens";
        }

        foreach (var capture in entry.Config)
        {
            if (capture.From != ConfigSources.Lookup && capture.Url is not null)
            {
                yield return $"config '{capture.Key}': url is given for lookups only";
            }

            if (capture.From == ConfigSources.Lookup && capture.Url is null && entry.UserInfoUrl is null)
            {
                yield return $"config '{capture.Key}': a lookup without url calls userInfoUrl, which the entry lacks";
            }
        }

        if (entry.Config.Select(c => c.Key).Concat(entry.Params).GroupBy(k => k).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            yield return $"config key '{duplicate.Key}' is given twice (params are config keys too)";
        }

        if ((entry.Callback.HostParam is null) != (entry.Callback.HostTemplate is null))
        {
            yield return "callback.hostParam and callback.hostTemplate go together";
        }
    }

    /// <summary>
    /// Problems of the entry's URL templates: a placeholder not declared in <c>params</c> (or <c>clientId</c>), a
    /// URL that is not absolute once filled, and with <paramref name="requireHttps"/> one that is not https.
    /// </summary>
    public static IEnumerable<string> UrlProblems(ProviderEntry entry, bool requireHttps)
    {
        foreach (var (field, url) in entry.Urls)
        {
            foreach (var placeholder in UrlTemplates.Placeholders(url).Where(p => p != UrlTemplates.ClientId && !entry.Params.Contains(p)))
            {
                yield return $"{field} uses {{{placeholder}}}, which params does not declare";
            }

            var sample = entry.Params.ToDictionary(p => p, _ => "sample");
            var filled = UrlTemplates.Fill(url, "client", sample, out _);
            if (filled is null || !Uri.TryCreate(filled, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
                || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
            {
                yield return $"{field} is not an absolute http(s) URL without user info or fragment";
            }
            else if (requireHttps && uri.Scheme != "https")
            {
                yield return $"{field} is not https";
            }
        }
    }
}
