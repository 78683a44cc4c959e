using System.Net;
using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;
using ActorOAuth.Grains.Telemetry;

namespace ActorOAuth.Grains;

/// <summary>What an integration's check and setup call at the provider: the identity check, the config look-up, discovery.</summary>
public sealed partial class ProviderClient
{
    /// <summary>
    /// The provider's cheap identity call with the access token (<see cref="CheckRules"/>): a userinfo-style call with
    /// the token as credential, or RFC 7662 introspection.
    /// </summary>
    public async Task<ProviderCheckResult> Check(ConnectionSettings settings, TokenSet tokens, CancellationToken cancellationToken)
    {
        if (Refused(settings.UserInfoUrl) is { } refused)
        {
            return new(false, false, null, "The identity call's URL is refused: " + refused.Description);
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "check");
        var rules = BuiltInProviders.Behaviour(settings.Provider).Check;
        var request = new HttpRequestMessage(new HttpMethod(rules.Method), settings.UserInfoUrl);
        if (rules.Kind == CheckKinds.Introspection)
        {
            var fields = new Dictionary<string, string> { ["token"] = tokens.AccessToken, ["token_type_hint"] = "access_token" };
            Authenticate(request, settings, fields, inBody: settings.TokenAuthMethod == TokenAuthMethods.ClientSecretPost);
            request.Content = new FormUrlEncodedContent(fields);
        }
        else
        {
            Present(request, rules, tokens.AccessToken);
        }

        var answer = await Send(request, cancellationToken);
        if (answer.Error is { } error)
        {
            return new(false, false, null, $"The provider's identity call could not be made: {error.Code}{Describe(error.Description)}.");
        }

        var status = (int)answer.Status;
        if (answer.Status == HttpStatusCode.Unauthorized)
        {
            return new(false, true, status, "The provider refused the access token (401)" + Describe(answer.ErrorCode) + ".");
        }

        if (rules.OkField && answer.Body is { ValueKind: JsonValueKind.Object } body
            && body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False)
        {
            var code = OAuthSyntax.SanitizeErrorCode(ProviderAnswer.ErrorOf(body)?.Code);
            var refusedToken = rules.UnauthorizedErrors.Contains(code);
            return new(false, refusedToken, status, $"The provider answered ok:false ({code})" + (refusedToken ? ": it refused the access token." : "."));
        }

        if (rules.Kind == CheckKinds.Introspection && answer.IsSuccess && answer.Body is { ValueKind: JsonValueKind.Object } introspection
            && introspection.TryGetProperty("active", out var active) && active.ValueKind == JsonValueKind.False)
        {
            return new(false, true, status, "The provider says the access token is not active.");
        }

        return answer.IsSuccess
            ? new(true, false, status, $"The provider accepted the access token ({status}).")
            : new(false, false, status, $"The provider's identity call answered {status}" + Describe(answer.ErrorCode) + ".");
    }

    /// <summary>
    /// The config values an entry looks up after a code exchange (<see cref="ConfigSources.Lookup"/>): each URL called
    /// once with the new access token. Values not found are left out; the problems say which calls failed.
    /// </summary>
    public async Task<(Dictionary<string, string> Config, List<string> Problems)> LookUpConfig(ConnectionSettings settings, TokenSet tokens, CancellationToken cancellationToken)
    {
        var entry = BuiltInProviders.Behaviour(settings.Provider);
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var call in entry.Config.Where(c => c.From == ConfigSources.Lookup).GroupBy(c => c.Url ?? settings.UserInfoUrl ?? ""))
        {
            var url = UrlTemplates.Fill(call.Key, settings.ClientId, settings.Params, out var templateProblem);
            if (url is null || url.Length == 0 || Refused(url) is not null)
            {
                problems.Add($"{call.Key}: {templateProblem ?? "refused by the URL policy"}");
                continue;
            }

            try
            {
                using var measured = ActorOAuthMetrics.ProviderCall(settings.Provider, "config_lookup");
                var request = new HttpRequestMessage(HttpMethod.Get, url);
                Present(request, entry.Check, tokens.AccessToken);
                var answer = await Send(request, cancellationToken);
                if (answer.Error is not null || !answer.IsSuccess || answer.Body is not { } body)
                {
                    problems.Add($"{url} answered {(answer.Error?.Code ?? ((int)answer.Status).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
                    continue;
                }

                foreach (var capture in call)
                {
                    if (JsonValues.ValueAt(body, capture.Path) is { } value)
                    {
                        config[capture.Key] = value;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ProviderAddressRefusedException or ProviderResponseTooLargeException)
            {
                problems.Add($"{url}: {FromException(e).Code}");
            }
        }

        return (config, problems);
    }

    /// <summary>
    /// RFC 8414 / OpenID discovery at the issuer: <c>/.well-known/oauth-authorization-server</c> (inserted before the
    /// issuer's path, RFC 8414 §3.1), then <c>/.well-known/openid-configuration</c> (appended, OpenID Connect
    /// Discovery §4). A document is used only when its <c>issuer</c> equals the one given (RFC 8414 §3.3). Endpoints
    /// the policy refuses are left out.
    /// </summary>
    public async Task<DiscoveryResult> Discover(string issuer, CancellationToken cancellationToken)
    {
        if (urls.FormProblem(issuer) is { } refused)
        {
            return new(null, refused);
        }

        using var call = ActorOAuthMetrics.ProviderCall(provider: null, "discovery");
        var uri = new Uri(issuer);
        var path = uri.AbsolutePath.TrimEnd('/');
        var origin = uri.GetLeftPart(UriPartial.Authority);
        var candidates = new[]
        {
            origin + "/.well-known/oauth-authorization-server" + path,
            issuer.TrimEnd('/') + "/.well-known/openid-configuration",
        }.Distinct();

        var problems = new List<string>();
        foreach (var url in candidates)
        {
            var answer = await Send(new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
            if (answer.Error is { } error)
            {
                problems.Add($"{url} could not be read ({error.Code})");
                continue;
            }

            if (!answer.IsSuccess || answer.Body is not { ValueKind: JsonValueKind.Object } document)
            {
                problems.Add(answer.IsSuccess ? $"{url} is not a JSON object" : $"{url} answered {(int)answer.Status}");
                continue;
            }

            var named = JsonValues.String(document, "issuer");
            if (!string.Equals(named, issuer, StringComparison.Ordinal))
            {
                problems.Add(named is null
                    ? $"{url} names no issuer"
                    : $"{url} names the issuer '{Bounded(named)}', not '{issuer}' (they must be equal, RFC 8414 §3.3)");
                continue;
            }

            string? Allowed(string name) => JsonValues.String(document, name) is { } endpoint && urls.FormProblem(endpoint) is null ? endpoint : null;
            var issParameter = document.TryGetProperty("authorization_response_iss_parameter_supported", out var flag) && flag.ValueKind == JsonValueKind.True;
            return new(new ProviderMetadata(issuer, Allowed("authorization_endpoint"), Allowed("token_endpoint"), Allowed("revocation_endpoint"), issParameter,
                Allowed("userinfo_endpoint")), null);
        }

        return new(null, "Discovery found no usable metadata: " + string.Join("; ", problems) + ".");
    }
}
