using System.Net;
using ActorOAuth.Abstractions;
using Duende.IdentityModel.Client;

namespace ActorOAuth.Grains;

/// <summary>A token endpoint answer: a token set, or an error classified for the failure policy.</summary>
public sealed record ProviderTokenResult(TokenSet? Tokens, ProviderError? Error)
{
    public bool Succeeded => Tokens is not null;
}

/// <summary>A provider failure: its OAuth error code and description (never a token), and whether to retry.</summary>
public sealed record ProviderError(string Code, string? Description, bool Transient, TimeSpan? RetryAfter = null);

/// <summary>
/// Calls a provider's token and revocation endpoints with the connection's client authentication.
/// One attempt per call: retries are the grain's to schedule.
/// </summary>
public sealed class ProviderClient(IHttpClientFactory httpClientFactory, TimeProvider time)
{
    public const string HttpClientName = "ActorOAuth.Provider";

    private static readonly HashSet<string> TerminalErrors = ["invalid_grant", "invalid_client", "unauthorized_client"];
    private static readonly HashSet<string> TransientErrors = ["temporarily_unavailable", "server_error"];

    public async Task<ProviderTokenResult> ExchangeCode(ConnectionSettings settings, string code, string redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
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

    private ProviderError Classify(ProtocolResponse response, string? error, string? description)
    {
        var retryAfter = RetryAfter(response.HttpResponse);
        if (response.ErrorType == ResponseErrorType.Exception)
        {
            var what = response.Exception is TaskCanceledException or TimeoutException ? "timeout" : "network_error";
            return new ProviderError(what, response.Exception?.GetType().Name, Transient: true, retryAfter);
        }

        var status = response.HttpStatusCode;
        // A 401 or 5xx may still carry an RFC 6749 error body; prefer its code over the HTTP status.
        if (response.Json is not null && response.TryGet("error") is { Length: > 0 } bodyError)
        {
            error = bodyError;
            description ??= response.TryGet("error_description");
        }

        if (!string.IsNullOrEmpty(error) && response.Json is not null)
        {
            var transient = TransientErrors.Contains(error) || IsTransientStatus(status);
            return new ProviderError(error, description, transient && !TerminalErrors.Contains(error), retryAfter);
        }

        return new ProviderError($"http_{(int)status}", response.HttpErrorReason, IsTransientStatus(status), retryAfter);
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
