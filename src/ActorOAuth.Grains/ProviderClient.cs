using System.Net;
using ActorOAuth.Abstractions;
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
public sealed record ProviderMetadata(string Issuer, string? AuthorizeUrl, string? TokenUrl, string? RevokeUrl, bool IssParameterSupported);

/// <summary>A provider failure: its OAuth error code and description (never a token), and whether to retry.</summary>
public sealed record ProviderError(string Code, string? Description, bool Transient, TimeSpan? RetryAfter = null);

/// <summary>
/// Calls a provider's token and revocation endpoints with the connection's client authentication.
/// One attempt per call: retries are the grain's to schedule.
/// </summary>
public sealed class ProviderClient(IHttpClientFactory httpClientFactory, ProviderUrlPolicy urls, TimeProvider time)
{
    public const string HttpClientName = "ActorOAuth.Provider";

    /// <summary>The code of a token response that breaks RFC 6749's syntax (a token with CR/LF, a malformed token_type).</summary>
    public const string InvalidTokenResponse = "invalid_token_response";

    private static readonly HashSet<string> TerminalErrors = ["invalid_grant", "invalid_client", "unauthorized_client"];
    private static readonly HashSet<string> TransientErrors = ["temporarily_unavailable", "server_error"];

    public async Task<ProviderTokenResult> ExchangeCode(ConnectionSettings settings, string code, string redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        if (Refused(settings.TokenUrl) is { } refused)
        {
            return new(null, refused);
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "code_exchange");
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = settings.TokenUrl,
            ClientId = settings.ClientId!,
            ClientSecret = settings.ClientSecret,
            ClientCredentialStyle = CredentialStyle(settings),
            Code = code,
            RedirectUri = redirectUri,
            CodeVerifier = codeVerifier,
        }, cancellationToken);
        return Read(response, previous: null);
    }

    public async Task<ProviderTokenResult> Refresh(ConnectionSettings settings, TokenSet current, CancellationToken cancellationToken)
    {
        if (Refused(settings.TokenUrl) is { } refused)
        {
            return new(null, refused);
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "refresh");
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = settings.TokenUrl,
            ClientId = settings.ClientId!,
            ClientSecret = settings.ClientSecret,
            ClientCredentialStyle = CredentialStyle(settings),
            RefreshToken = current.RefreshToken!,
        }, cancellationToken);
        return Read(response, current);
    }

    /// <summary>RFC 7009 revocation; null on success, else the error.</summary>
    public async Task<ProviderError?> Revoke(ConnectionSettings settings, string token, string tokenTypeHint, CancellationToken cancellationToken)
    {
        if (Refused(settings.RevokeUrl) is { } refused)
        {
            return refused;
        }

        using var call = ActorOAuthMetrics.ProviderCall(settings.Provider, "revoke");
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = settings.RevokeUrl,
            ClientId = settings.ClientId!,
            ClientSecret = settings.ClientSecret,
            ClientCredentialStyle = CredentialStyle(settings),
            Token = token,
            TokenTypeHint = tokenTypeHint,
        }, cancellationToken);
        return response.IsError ? Classify(response, response.Error, description: null) : null;
    }

    /// <summary>Revokes one token; null on success, else the error (network trouble and refusals by policy included).</summary>
    public async Task<ProviderError?> TryRevoke(ConnectionSettings settings, string token, string tokenTypeHint)
    {
        try
        {
            return await Revoke(settings, token, tokenTypeHint, CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException
            or ProviderAddressRefusedException or ProviderResponseTooLargeException)
        {
            return FromException(e);
        }
    }

    /// <summary>
    /// RFC 8414 / OpenID discovery at the issuer: its endpoints, and whether it promises the RFC 9207
    /// <c>iss</c> authorization response parameter. Endpoints the policy refuses are left out.
    /// </summary>
    public async Task<ProviderMetadata?> Discover(string issuer, CancellationToken cancellationToken)
    {
        if (urls.FormProblem(issuer) is not null)
        {
            return null;
        }

        using var call = ActorOAuthMetrics.ProviderCall(provider: null, "discovery");
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = issuer,
            Policy = { RequireHttps = false, ValidateIssuerName = true, ValidateEndpoints = false, RequireKeySet = false },
        }, cancellationToken);
        if (response.IsError)
        {
            return null;
        }

        string? Allowed(string? url) => url is not null && urls.FormProblem(url) is null ? url : null;
        var issParameter = response.Json is { } json
            && json.TryGetProperty("authorization_response_iss_parameter_supported", out var flag) && flag.ValueKind == System.Text.Json.JsonValueKind.True;
        return new ProviderMetadata(response.Issuer ?? issuer, Allowed(response.AuthorizeEndpoint), Allowed(response.TokenEndpoint), Allowed(response.RevocationEndpoint), issParameter);
    }

    private ProviderError? Refused(string? url) =>
        url is not null && urls.FormProblem(url) is { } problem ? new ProviderError("provider_address_refused", problem, Transient: false) : null;

    private static ClientCredentialStyle CredentialStyle(ConnectionSettings settings) =>
        settings.TokenAuthMethod == TokenAuthMethods.ClientSecretPost ? ClientCredentialStyle.PostBody : ClientCredentialStyle.AuthorizationHeader;

    private ProviderTokenResult Read(TokenResponse response, TokenSet? previous)
    {
        if (response.IsError)
        {
            return new(null, Classify(response, response.Error, response.ErrorDescription));
        }

        if (string.IsNullOrEmpty(response.AccessToken))
        {
            return new(null, new ProviderError("invalid_response", "The token endpoint answered without an access_token.", Transient: true));
        }

        if (BrokenField(response) is { } field)
        {
            // Not transient: a provider that answers broken tokens keeps doing so, and retrying a refresh whose answer
            // was refused may present a refresh token the provider already rotated (reuse detection can revoke the
            // whole grant). The connection errors at once and the operator sees which field was broken. The value is
            // never repeated: it is a token.
            return new(null, new ProviderError(InvalidTokenResponse,
                $"The token endpoint answered a {field} that breaks RFC 6749's syntax ({Rule(field)}); the response was not stored.", Transient: false));
        }

        var now = time.GetUtcNow();
        var scopes = string.IsNullOrWhiteSpace(response.Scope)
            ? previous?.GrantedScopes ?? []
            : response.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new(new TokenSet
        {
            AccessToken = response.AccessToken,
            TokenType = string.IsNullOrEmpty(response.TokenType) ? "Bearer" : response.TokenType,
            // A response without a refresh token keeps the one held (no rotation at this provider).
            RefreshToken = string.IsNullOrEmpty(response.RefreshToken) ? previous?.RefreshToken : response.RefreshToken,
            IssuedAt = now,
            ExpiresAt = response.ExpiresIn > 0 ? now.AddSeconds(response.ExpiresIn) : null,
            GrantedScopes = scopes,
        }, null);
    }

    /// <summary>The first field of a successful token response that breaks RFC 6749 Appendix A, or null.</summary>
    private static string? BrokenField(TokenResponse response)
    {
        if (!OAuthSyntax.IsVsChars(response.AccessToken))
        {
            return "access_token";
        }

        if (!string.IsNullOrEmpty(response.RefreshToken) && !OAuthSyntax.IsVsChars(response.RefreshToken))
        {
            return "refresh_token";
        }

        return !string.IsNullOrEmpty(response.TokenType) && !OAuthSyntax.IsTokenType(response.TokenType) ? "token_type" : null;
    }

    private static string Rule(string field) => field == "token_type"
        ? "a type name of letters, digits, '-', '.' and '_', or an absolute URI"
        : "printable ASCII characters and spaces only";

    private ProviderError Classify(ProtocolResponse response, string? error, string? description)
    {
        var retryAfter = RetryAfter(response.HttpResponse);
        if (response.ErrorType == ResponseErrorType.Exception)
        {
            return FromException(response.Exception, retryAfter);
        }

        var status = response.HttpStatusCode;
        // A 401 or 5xx may still carry an RFC 6749 error body; prefer its code over the HTTP status.
        if (response.Json is not null && response.TryGet("error") is { Length: > 0 } bodyError)
        {
            error = bodyError;
            description ??= response.TryGet("error_description");
        }

        // The provider's words are logged and shown: only RFC 6749's error characters get through, bounded.
        if (!string.IsNullOrEmpty(error) && response.Json is not null)
        {
            var code = OAuthSyntax.SanitizeErrorCode(error);
            var transient = TransientErrors.Contains(code) || IsTransientStatus(status);
            return new ProviderError(code, OAuthSyntax.SanitizeDescription(description), transient && !TerminalErrors.Contains(code), retryAfter);
        }

        return new ProviderError($"http_{(int)status}", OAuthSyntax.SanitizeDescription(response.HttpErrorReason), IsTransientStatus(status), retryAfter);
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

    private static bool IsTransientStatus(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;

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
