using System.Net.Http.Headers;
using System.Net.Http.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;
using ActorOAuth.Grains.Telemetry;
using Duende.IdentityModel.Client;

namespace ActorOAuth.Grains;

/// <summary>A token endpoint answer: a token set, or an error classified for the failure policy.</summary>
public sealed record ProviderTokenResult(TokenSet? Tokens, ProviderError? Error)
{
    public bool Succeeded => Tokens is not null;
}

/// <summary>What a provider's discovery document says about it.</summary>
public sealed record ProviderMetadata(string Issuer, string? AuthorizeUrl, string? TokenUrl, string? RevokeUrl, bool IssParameterSupported, string? UserInfoUrl = null);

/// <summary>A discovery: the metadata found, or why none could be used (a sentence naming the URLs tried).</summary>
public sealed record DiscoveryResult(ProviderMetadata? Metadata, string? Problem);

/// <summary>A provider failure: its OAuth error code and description (never a token), and whether to retry.</summary>
public sealed record ProviderError(string Code, string? Description, bool Transient, TimeSpan? RetryAfter = null);

/// <summary>
/// What a connection check found: whether the provider accepted the token, whether it refused it as unauthorized
/// (a 401, or the entry's equivalent), the HTTP status and a sentence without any token.
/// </summary>
public sealed record ProviderCheckResult(bool Ok, bool Unauthorized, int? Status, string Detail);

/// <summary>
/// Calls a provider's token, revocation, identity and discovery endpoints the way its catalog entry
/// (<see cref="BuiltInProviders.Behaviour"/>, by the settings' <c>provider</c>) says: client authentication, form or
/// JSON bodies, where the tokens are in the answer, errors on HTTP 200, the revocation shape. One attempt per call:
/// retries are the grain's to schedule. The check, the config look-up and discovery are in <c>ProviderClient.Checks.cs</c>.
/// </summary>
public sealed partial class ProviderClient(IHttpClientFactory httpClientFactory, ProviderUrlPolicy urls, TimeProvider time)
{
    public const string HttpClientName = "ActorOAuth.Provider";

    /// <summary>The code of a token response that breaks RFC 6749's syntax (a token with CR/LF, a malformed token_type).</summary>
    public const string InvalidTokenResponse = "invalid_token_response";

    public async Task<ProviderTokenResult> ExchangeCode(ConnectionSettings settings, string code, string redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        if (Refused(settings.TokenUrl) is { } refused)
        {
            return new(null, refused);
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "code_exchange");
        var fields = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirectUri };
        if (codeVerifier is not null)
        {
            fields["code_verifier"] = codeVerifier;
        }

        var entry = BuiltInProviders.Behaviour(settings.Provider);
        return await SendToken(TokenRequest(settings, entry, settings.TokenUrl!, fields), entry, previous: null, settings.Scopes ?? [], cancellationToken);
    }

    public async Task<ProviderTokenResult> Refresh(ConnectionSettings settings, TokenSet current, CancellationToken cancellationToken)
    {
        var url = string.IsNullOrEmpty(settings.RefreshUrl) ? settings.TokenUrl : settings.RefreshUrl;
        if (Refused(url) is { } refused)
        {
            return new(null, refused);
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "refresh");
        var fields = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = current.RefreshToken! };
        var entry = BuiltInProviders.Behaviour(settings.Provider);
        return await SendToken(TokenRequest(settings, entry, url!, fields), entry, current, current.GrantedScopes, cancellationToken);
    }

    /// <summary>
    /// Revokes one token the way the entry says (RFC 7009, a JSON body, a call authenticated with the token, a DELETE
    /// with Basic …); null on success, else the error. <paramref name="config"/> fills <c>{config.key}</c> fields.
    /// </summary>
    public async Task<ProviderError?> Revoke(ConnectionSettings settings, IReadOnlyDictionary<string, string> config, string token, string tokenTypeHint, CancellationToken cancellationToken)
    {
        if (Refused(settings.RevokeUrl) is { } refused)
        {
            return refused;
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "revoke");
        var rules = BuiltInProviders.Behaviour(settings.Provider).Revocation;
        var request = new HttpRequestMessage(new HttpMethod(rules.Method), settings.RevokeUrl);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (rules.TokenField is { } tokenField)
        {
            fields[tokenField] = token;
        }

        if (rules.TokenTypeHint)
        {
            fields["token_type_hint"] = tokenTypeHint;
        }

        foreach (var (name, template) in rules.Fields)
        {
            fields[name] = template == "{clientId}" ? settings.ClientId ?? ""
                : template.StartsWith("{config.", StringComparison.Ordinal) ? config.GetValueOrDefault(template[8..^1]) ?? ""
                : template;
        }

        var auth = rules.Auth == RevocationAuths.Client
            ? settings.TokenAuthMethod == TokenAuthMethods.ClientSecretPost ? RevocationAuths.Post : RevocationAuths.Basic
            : rules.Auth;
        switch (auth)
        {
            case RevocationAuths.Basic:
                Authenticate(request, settings, fields, inBody: false);
                break;
            case RevocationAuths.Post:
                Authenticate(request, settings, fields, inBody: true);
                break;
            case RevocationAuths.Bearer:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                break;
            case RevocationAuths.Secret:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ClientSecret ?? "");
                break;
        }

        request.Content = Body(rules.Body, fields);
        var answer = await Send(request, cancellationToken);
        if (answer.Error is { } failed)
        {
            return failed;
        }

        return answer.Failure(rules.OkField) ?? (answer.IsSuccess ? null : answer.Classify());
    }

    /// <summary>Revokes one token; null on success, else the error (network trouble and refusals by policy included).</summary>
    public async Task<ProviderError?> TryRevoke(ConnectionSettings settings, IReadOnlyDictionary<string, string> config, string token, string tokenTypeHint)
    {
        try
        {
            return await Revoke(settings, config, token, tokenTypeHint, CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException
            or ProviderAddressRefusedException or ProviderResponseTooLargeException)
        {
            return FromException(e);
        }
    }

    private ProviderError? Refused(string? url) =>
        url is not null && urls.FormProblem(url) is { } problem ? new ProviderError("provider_address_refused", problem, Transient: false) : null;

    /// <summary>A token request in the entry's shape: form or JSON body, client credentials in a Basic header or in the body.</summary>
    private static HttpRequestMessage TokenRequest(ConnectionSettings settings, ProviderEntry entry, string url, Dictionary<string, string> fields)
    {
        foreach (var (name, value) in entry.TokenParams)
        {
            fields.TryAdd(name, value);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, url);
        Authenticate(request, settings, fields, inBody: settings.TokenAuthMethod == TokenAuthMethods.ClientSecretPost);
        request.Content = Body(entry.TokenRequestBody, fields);
        return request;
    }

    /// <summary>
    /// Client authentication (RFC 6749 §2.3.1): a Basic header of the form-encoded id and secret, or both in the body;
    /// a client without a secret sends only its id, in the body.
    /// </summary>
    private static void Authenticate(HttpRequestMessage request, ConnectionSettings settings, Dictionary<string, string> fields, bool inBody)
    {
        var clientId = settings.ClientId ?? "";
        if (string.IsNullOrEmpty(settings.ClientSecret))
        {
            fields["client_id"] = clientId;
        }
        else if (inBody)
        {
            fields["client_id"] = clientId;
            fields["client_secret"] = settings.ClientSecret;
        }
        else
        {
            request.Headers.Authorization = new BasicAuthenticationOAuthHeaderValue(clientId, settings.ClientSecret);
        }
    }

    private static HttpContent? Body(string shape, Dictionary<string, string> fields) => shape switch
    {
        TokenBodies.Json => JsonContent.Create(fields),
        TokenBodies.Form => new FormUrlEncodedContent(fields),
        _ => null,
    };

    /// <summary>Puts the access token where the entry's calls carry it: <c>Authorization: {scheme} {token}</c>, or a header of its own.</summary>
    private static void Present(HttpRequestMessage request, CheckRules rules, string accessToken)
    {
        if (string.Equals(rules.Header, "Authorization", StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(rules.Scheme, accessToken);
        }
        else
        {
            request.Headers.TryAddWithoutValidation(rules.Header, accessToken);
        }

        foreach (var (name, value) in rules.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private async Task<ProviderTokenResult> SendToken(HttpRequestMessage request, ProviderEntry entry, TokenSet? previous, IReadOnlyList<string> known,
        CancellationToken cancellationToken)
    {
        var answer = await Send(request, cancellationToken);
        return answer.Error is { } error ? new(null, error) : TokenResponseReader.Read(answer, entry, previous, known, time.GetUtcNow());
    }

    /// <summary>One call; the answer's body read as JSON, or as a form-encoded document (GitHub's default), or not at all.</summary>
    private async Task<ProviderAnswer> Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var client = httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using (request)
            using (var response = await client.SendAsync(request, cancellationToken))
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                return new ProviderAnswer(response.StatusCode, response.ReasonPhrase, ProviderAnswer.ParseBody(text, mediaType), RetryAfter(response), null);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ProviderAnswer(0, null, null, null, FromException(e));
        }
    }

    /// <summary>Classifies a failed call by its exception: refusals by policy are terminal, network trouble is transient.</summary>
    public static ProviderError FromException(Exception? exception, TimeSpan? retryAfter = null)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ProviderAddressRefusedException refused:
                    return new ProviderError("provider_address_refused", refused.Message, Transient: false);
                case ProviderResponseTooLargeException tooLarge:
                    return new ProviderError("response_too_large", tooLarge.Message, Transient: false);
                case TaskCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException:
                    return new ProviderError("timeout", "The provider did not answer in time.", Transient: true, retryAfter);
            }
        }

        return new ProviderError("network_error", exception?.GetType().Name, Transient: true, retryAfter);
    }

    private static string Describe(string? text) => string.IsNullOrEmpty(text) ? "" : ": " + text;

    private static string Bounded(string text) => OAuthSyntax.SanitizeDescription(text.Length > 200 ? text[..200] : text) ?? "";

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - time.GetUtcNow() : null;
    }

}
