using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;
using Duende.IdentityModel.Client;

namespace ActorOAuth.Grains.Connections;

// The authorization: its start, the redirect back, the code exchange and what follows it.
public sealed partial class Connection
{
    /// <summary>
    /// A new attempt: a fresh <c>state</c> (256 random bits; only its hash is kept), a PKCE S256 verifier unless PKCE is
    /// off, this exact <paramref name="redirectUri"/> and an expiry. An attempt still in flight is discarded.
    /// </summary>
    public AuthorizationStart StartAuthorization(string redirectUri, string? returnUrl)
    {
        EnsureExists();
        var settings = State.Settings;
        var state = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var verifier = settings.Pkce == false ? null : Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var attempt = new AuthorizationAttempt
        {
            StateHash = ConnectionKeys.ForState(state),
            CodeVerifier = verifier,
            RedirectUri = redirectUri,
            ExpiresAt = Now + options.AuthorizationLifetime,
            ReturnUrl = returnUrl,
        };

        DropAttempt();
        State.Attempt = attempt;
        State.CallbackUrl = SharedStrings.Share(redirectUri);
        Record(new AuthorizationStarted(Now, attempt.StateHash, attempt.ExpiresAt));
        Log("info", "authorize_started", verifier is null ? "Authorization started (PKCE off)." : "Authorization started with PKCE S256.");
        return new AuthorizationStart(AuthorizationUrl(settings, redirectUri, state, verifier), attempt.ExpiresAt);
    }

    /// <summary>
    /// Takes the attempt the browser came back for, once: null (and nothing changes) when it is not this connection's
    /// current attempt or has expired.
    /// </summary>
    public AuthorizationAttempt? RedeemAttempt(string stateHash, CallbackRequest callback)
    {
        if (!State.Exists || State.Attempt is not { } attempt || attempt.StateHash != stateHash || Now >= attempt.ExpiresAt)
        {
            return null;
        }

        State.Attempt = null;
        Log("info", "callback_received", callback.Error is null ? "The provider redirected back with a code." : "The provider redirected back with an error.");
        return attempt;
    }

    /// <summary>
    /// The callback's answer before any code exchange: a mix-up (RFC 9207 <c>iss</c>), the provider's error, or no code.
    /// Null when the code is to be exchanged.
    /// </summary>
    public CallbackOutcome? RejectCallback(CallbackRequest callback)
    {
        var issMismatch = callback.Issuer is not null && State.Settings.Issuer is { } issuer && !string.Equals(issuer, callback.Issuer, StringComparison.Ordinal);
        var issMissing = callback.Issuer is null && State.IssParameterRequired;
        if (issMismatch || issMissing)
        {
            Log("warning", "callback_rejected", issMissing
                ? "The callback carried no iss parameter although the provider advertises it (RFC 9207); possible mix-up attack."
                : "The callback's iss parameter does not match the connection's issuer (RFC 9207); possible mix-up attack.");
            return new CallbackOutcome(CallbackResult.IssuerMismatch, "issuer_mismatch", "The response did not come from the expected provider.");
        }

        if (callback.Error is { } raw)
        {
            // Whatever the browser brought is logged and shown only in RFC 6749's error characters.
            var error = OAuthSyntax.SanitizeErrorCode(raw);
            var description = OAuthSyntax.SanitizeDescription(callback.ErrorDescription);
            var denied = error == "access_denied";
            FailAuthorization(denied ? LifecycleEvent.AuthorizationDenied : LifecycleEvent.AuthorizationFailed,
                error, description, denied ? "authorization_denied" : "authorization_failed");
            return new CallbackOutcome(denied ? CallbackResult.Denied : CallbackResult.ProviderError, error, description);
        }

        if (string.IsNullOrEmpty(callback.Code))
        {
            FailAuthorization(LifecycleEvent.AuthorizationFailed, "invalid_request", "The callback carried neither a code nor an error.", "authorization_failed");
            return new CallbackOutcome(CallbackResult.ProviderError, "invalid_request", "The provider's answer carried no authorization code.");
        }

        return null;
    }

    /// <summary>
    /// The code exchange stored tokens: configured (recovered when it was errored), refresh scheduled. The config
    /// starts again from the params, <paramref name="callbackConfig"/> (what the redirect back carried) and the
    /// token response's.
    /// </summary>
    public void CodeExchanged(TokenSet tokens, IReadOnlyDictionary<string, string>? callbackConfig = null)
    {
        State.RefreshFailedTerminally = false;
        State.EverHeldTokens = true;
        State.Config = Merged(Merged(ConnectionConfig.Empty, State.Settings.Params), callbackConfig);
        var step = Transition(LifecycleEvent.CodeExchanged);
        StoreTokens(tokens, "token_exchanged", "Authorization code exchanged for tokens.");
        Record(new Authorized(Now));
        if (step.Recovered)
        {
            Recover();
        }
    }

    /// <summary>The provider's token endpoint refused or failed the code exchange; tokens held from before stay.</summary>
    public void ExchangeFailed(ProviderError error) =>
        FailAuthorization(LifecycleEvent.AuthorizationFailed, error.Code, error.Description, "token_exchange_failed");

    /// <summary>The config values a call after the code exchange found; what failed is logged (no value is repeated).</summary>
    public void ConfigLookedUp(IReadOnlyDictionary<string, string> values, IReadOnlyList<string> problems)
    {
        State.Config = Merged(State.Config, values);
        foreach (var problem in problems)
        {
            Log("warning", "config_lookup_failed", "Reading provider data after the code exchange failed: " + problem + ".");
        }
    }

    /// <summary>The redirect back failed the provider's own proof (Shopify's hmac, its shop host): refused, like a mix-up.</summary>
    public CallbackOutcome CallbackUnverified(string problem)
    {
        Log("warning", "callback_rejected", problem + " The callback was refused.");
        return new CallbackOutcome(CallbackResult.IssuerMismatch, "invalid_callback", "The response did not come from the expected provider.");
    }

    private void FailAuthorization(LifecycleEvent e, string code, string? description, string logEvent)
    {
        Transition(e);
        Record(new AuthorizationFailed(Now, RecordError(code, description, logEvent)));
    }

    private void DropAttempt()
    {
        if (State.Attempt is { } attempt)
        {
            State.Attempt = null;
            Record(new AttemptDropped(Now, attempt.StateHash));
        }
    }

    private static string AuthorizationUrl(ConnectionSettings settings, string redirectUri, string state, string? verifier)
    {
        var extra = new Parameters();
        foreach (var (name, value) in settings.AuthorizeParams ?? new Dictionary<string, string>())
        {
            extra.Add(name, value);
        }

        return new RequestUrl(settings.AuthorizeUrl!).CreateAuthorizeUrl(
            clientId: settings.ClientId!,
            responseType: "code",
            scope: settings.Scopes is { Count: > 0 } scopes ? string.Join(BuiltInProviders.Behaviour(settings.Provider).ScopeSeparator, scopes) : null,
            redirectUri: redirectUri,
            state: state,
            codeChallenge: verifier is null ? null : Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            codeChallengeMethod: verifier is null ? null : "S256",
            extra: extra);
    }
}
