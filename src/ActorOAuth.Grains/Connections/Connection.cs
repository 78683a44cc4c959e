using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;
using Duende.IdentityModel.Client;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// One connection's state and the rules that change it, in plain C#: each intent method checks what the lifecycle
/// allows, changes <see cref="State"/> and records what follows as <see cref="Events"/>. Nothing here waits on storage,
/// a provider or another grain: the grain calls a method, writes the state, then carries out the events.
/// </summary>
public sealed class Connection(ConnectionState state, ConnectionOptions options, TimeProvider time, JitterSource jitter)
{
    private readonly RefreshPolicy _policy = new(options);
    private readonly List<ConnectionEvent> _events = [];

    public ConnectionState State { get; } = state;

    /// <summary>What the intent methods called so far recorded, in order.</summary>
    public IReadOnlyList<ConnectionEvent> Events => _events;

    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// Creates the connection or replaces its settings; tokens are kept, and so is the client secret when none is given.
    /// A connection of an integration passes what it gave as <paramref name="given"/> and its resolved settings, whose
    /// secret is never kept here (it stays with the integration).
    /// </summary>
    /// <returns>Whether the connection was created.</returns>
    public bool Save(ConnectionSettings settings, string callbackUrl, bool issParameterRequired, ConnectionSettings? given = null)
    {
        var created = !State.Exists;
        var secret = given is not null ? null : string.IsNullOrEmpty(settings.ClientSecret) ? State.Settings.ClientSecret : settings.ClientSecret;
        var oldParams = State.Settings.Params;
        State.Settings = SharedStrings.Share(settings with { ClientSecret = secret });
        State.Given = given is null ? null : SharedStrings.Share(given with { ClientSecret = null });
        State.Config = Merged(Without(State.Config, oldParams), settings.Params);
        State.IssParameterRequired = issParameterRequired;
        State.CallbackUrl = SharedStrings.Share(callbackUrl);
        if (created)
        {
            State.Exists = true;
            State.Status = ConnectionStatus.Pending;
            State.CreatedAt = Now;
            State.IndexRevision = Now.UtcTicks;
            Record(new ConnectionCreated(Now));
            Log("info", "created", "Connection created.");
        }
        else
        {
            State.IndexRevision++;
            Record(new SettingsChanged(Now));
            Log("info", "settings_updated", "Settings updated; tokens kept.");
        }

        return created;
    }

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

    /// <summary>
    /// What a token fetch in turn has to do before it can hand out the token; throws the 409 when no token can be had.
    /// An errored connection that a refresh may recover gets one forced refresh.
    /// </summary>
    public FetchPlan PlanFetch(bool forceRefresh)
    {
        EnsureExists();
        switch (State.Status)
        {
            case ConnectionStatus.Pending or ConnectionStatus.Disconnected:
            case not ConnectionStatus.Errored when State.Tokens is null:
                throw State.Status == ConnectionStatus.Disconnected
                    ? Conflict(ProblemCodes.ConnectionDisconnected, "The connection is disconnected and holds no token; authorize it again.")
                    : Conflict(ProblemCodes.ConnectionPending, "The connection is pending and holds no token yet; authorize it first.");
            case ConnectionStatus.Errored when State.RefreshFailedTerminally || State.Tokens?.RefreshToken is null:
                throw Conflict(ProblemCodes.ReauthorizationRequired, "The connection is errored and a refresh cannot recover it; authorize it again.");
            case ConnectionStatus.Errored:
                return FetchPlan.ForcedRefresh;
        }

        if (forceRefresh && !IssuedWithin(options.ForcedRefreshDebounce))
        {
            return FetchPlan.ForcedRefresh;
        }

        return IsDue(Now) ? FetchPlan.Refresh : FetchPlan.Serve;
    }

    /// <summary>
    /// Hands out the access token (after any refresh) and marks the connection used. The first fetch changes the
    /// status (a write before the token goes out); a repeated one logs <c>used</c> only when the last entry is older
    /// than the interval. Throws 409 while errored and 503 while the expired token's refresh backs off.
    /// </summary>
    public FetchResult TokenFetched(DateTimeOffset? usedLoggedAt)
    {
        var now = Now;
        if (State.Status == ConnectionStatus.Errored)
        {
            throw Conflict(State.RefreshFailedTerminally ? ProblemCodes.ReauthorizationRequired : ProblemCodes.ConnectionErrored,
                "The connection is errored: " + (State.LastError?.Code ?? "unknown error") + ".");
        }

        var tokens = State.Tokens!;
        if (tokens.ExpiresAt is { } expiry && expiry <= now)
        {
            var retryAfter = State.Refresh.NextAt is { } next && next > now ? next - now : TimeSpan.FromSeconds(1);
            throw new ConnectionProblemException(ConnectionProblemKind.Unavailable, ProblemCodes.RefreshBackingOff,
                "The access token has expired and the provider is being retried.", retryAfter);
        }

        var statusChanged = State.Status != ConnectionStatus.Used;
        var logUsed = statusChanged || usedLoggedAt is not { } last || now - last >= options.UsedLogInterval;
        if (logUsed)
        {
            MarkUsed();
        }
        else
        {
            State.LastUsedAt = now;
        }

        return new FetchResult(Handout(tokens, State.Config), statusChanged, logUsed);
    }

    /// <summary>An execution fetched the token: used, and logged so. Only a configured or used connection changes.</summary>
    public void MarkUsed()
    {
        if (State.Tokens is null || State.Status is not (ConnectionStatus.Configured or ConnectionStatus.Used))
        {
            return;
        }

        State.LastUsedAt = Now;
        Transition(LifecycleEvent.TokenFetched);
        Log("info", "used", "An execution fetched the access token.");
    }

    /// <summary>What the connection holds for an execution: its token and its config (shared, not copied).</summary>
    public static AccessTokenResult Handout(TokenSet tokens, IReadOnlyDictionary<string, string> config) =>
        new(tokens.AccessToken, tokens.TokenType, tokens.ExpiresAt, tokens.GrantedScopes) { Config = config };

    /// <summary>
    /// Whether a refresh may call the provider now. Not while backing off before the retry time, nor beyond the hourly
    /// budget (then the schedule moves to when the budget allows). A call that goes ahead is counted.
    /// </summary>
    public bool StartRefresh()
    {
        var schedule = State.Refresh;
        var now = Now;
        if (schedule.BackingOff && schedule.NextAt is { } next && next > now)
        {
            return false;
        }

        var budgeted = _policy.BudgetedAt(schedule, now);
        if (budgeted > now)
        {
            schedule.NextAt = budgeted;
            Record(new RefreshScheduled(now, budgeted));
            return false;
        }

        if (State.Tokens?.RefreshToken is null)
        {
            return false;
        }

        RefreshPolicy.CountCall(schedule, now);
        return true;
    }

    /// <summary>A refresh stored new tokens: a rotated refresh token replaces the old one; an errored connection recovers.</summary>
    public void RefreshSucceeded(TokenSet tokens, bool forced)
    {
        var step = Transition(LifecycleEvent.RefreshSucceeded);
        State.LastRefreshedAt = Now;
        StoreTokens(tokens, "token_refreshed", forced ? "Access token refreshed on demand." : "Access token refreshed.");
        Record(new TokenRefreshed(Now, forced));
        if (step.Recovered)
        {
            Recover();
        }
    }

    /// <summary>
    /// A refresh failed. Terminal (<c>invalid_grant</c> …): errored, schedule removed. Transient: backoff within the
    /// budget, the status kept while the access token is valid, errored once it expired and the retry window passed.
    /// </summary>
    public void RefreshFailed(ProviderError error)
    {
        var now = Now;
        if (!error.Transient)
        {
            State.RefreshFailedTerminally = true;
            Transition(LifecycleEvent.TerminalRefreshFailure);
            State.Refresh = new RefreshSchedule();
            Record(new RefreshScheduled(now, null));
            var terminal = RecordError(error.Code, error.Description, "refresh_failed");
            Record(new RefreshFailed(now, terminal, Terminal: true, Failures: 1, RetryAt: null));
            return;
        }

        var schedule = State.Refresh;
        schedule.Failures++;
        schedule.FirstFailureAt ??= now;
        Transition(LifecycleEvent.TransientRefreshFailure);
        schedule.NextAt = _policy.BudgetedAt(schedule, now + _policy.Backoff(schedule.Failures, error.RetryAfter, jitter.NextDouble()));
        Record(new RefreshScheduled(now, schedule.NextAt));
        var transient = RecordError(error.Code, error.Description, "refresh_failed", $" (attempt {schedule.Failures}; next try at {schedule.NextAt:O})");
        Record(new RefreshFailed(now, transient, Terminal: false, schedule.Failures, schedule.NextAt));
    }

    /// <summary>An execution reports a connection error: errored; refused (409) for a pending or disconnected connection.</summary>
    public void ReportError(string code, string? message)
    {
        EnsureExists();
        if (!ConnectionLifecycle.Next(State.Status, LifecycleEvent.ErrorReported, Context()).Allowed)
        {
            throw State.Status == ConnectionStatus.Disconnected
                ? Conflict(ProblemCodes.ConnectionDisconnected, "A disconnected connection cannot be errored.")
                : Conflict(ProblemCodes.ConnectionPending, "A pending connection cannot be errored.");
        }

        Transition(LifecycleEvent.ErrorReported);
        Record(new ErrorReported(Now, RecordError(code, message, "error_reported")));
    }

    /// <summary>
    /// After an execution reported <c>unauthorized</c>: whether one forced refresh may recover the connection, or the
    /// tokens were refreshed so recently (within the forced-refresh debounce) that they are taken as that refresh.
    /// </summary>
    public RecoveryPlan PlanUnauthorizedRecovery()
    {
        if (State.Status != ConnectionStatus.Errored || State.RefreshFailedTerminally || State.Tokens?.RefreshToken is null)
        {
            return RecoveryPlan.None;
        }

        // Only a refresh made moments ago counts: tokens a code exchange just issued may well be the ones refused.
        var refreshedJustNow = IssuedWithin(options.ForcedRefreshDebounce) && State.LastRefreshedAt >= State.Tokens.IssuedAt;
        return refreshedJustNow ? RecoveryPlan.AlreadyFresh : RecoveryPlan.Refresh;
    }

    /// <summary>The tokens were issued within the debounce, after what the execution saw: they count as the forced refresh.</summary>
    public void RecoveredWithFreshTokens()
    {
        if (Transition(LifecycleEvent.RefreshSucceeded).Recovered)
        {
            Log("info", "recovered", "The connection recovered: its tokens were refreshed moments ago, after the token the execution reported.");
            Record(new Recovered(Now));
        }
    }

    /// <summary>A connection check can run: the connection holds tokens (else 409, as for a fetch).</summary>
    public TokenSet EnsureTokens()
    {
        EnsureExists();
        return State.Tokens ?? throw (State.Status == ConnectionStatus.Disconnected
            ? Conflict(ProblemCodes.ConnectionDisconnected, "The connection is disconnected and holds no token; authorize it again.")
            : Conflict(ProblemCodes.ConnectionPending, "The connection is pending and holds no token yet; authorize it first."));
    }

    /// <summary>The provider's identity call refused the token and a refresh could not fix it: the grant was revoked there.</summary>
    public void CheckFailed(string detail)
    {
        EnsureExists();
        Transition(LifecycleEvent.CheckFailed);
        Record(new CheckFailed(Now, RecordError("unauthorized", detail, "check_failed")));
    }

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

    /// <summary>
    /// Stops refresh and deletes the tokens (and any attempt in flight); returns the tokens to revoke at the provider,
    /// or null when there is nothing to revoke. An already disconnected connection is left as it is.
    /// </summary>
    public TokenSet? Disconnect()
    {
        EnsureExists();
        if (!ConnectionLifecycle.Next(State.Status, LifecycleEvent.DisconnectRequested).Allowed)
        {
            return null;
        }

        var tokens = State.Tokens;
        DropAttempt();
        State.Tokens = null;
        State.Refresh = new RefreshSchedule();
        Record(new RefreshScheduled(Now, null));
        Transition(LifecycleEvent.DisconnectRequested);
        Log("info", "disconnected", "Disconnected: refresh stopped and tokens deleted.");
        Record(new ConnectionDisconnected(Now));
        State.Config = Merged(ConnectionConfig.Empty, State.Settings.Params);
        var revocable = !string.IsNullOrEmpty(State.Settings.RevokeUrl)
            && BuiltInProviders.Behaviour(State.Settings.Provider).Revocation.Kind != RevocationKinds.None;
        if (tokens is not null && !revocable)
        {
            Log("info", "revoke_skipped", "The provider has no revocation endpoint (none is known or configured): the tokens were deleted here only.");
        }

        return tokens is not null && revocable ? tokens : null;
    }

    /// <summary>
    /// Forgets the connection (disconnected first by the caller): from now on it does not exist for any read. The row,
    /// written with the deletion's event in its outbox, is removed once the event is handed on.
    /// </summary>
    public void Delete()
    {
        EnsureExists();
        State.Exists = false;
        State.Tokens = null;
        Record(new ConnectionDeleted(Now));
    }

    /// <summary>How revoking one token went (<paramref name="error"/> null: revoked).</summary>
    public void Revoked(string tokenTypeHint, ProviderError? error)
    {
        var name = tokenTypeHint.Replace('_', ' ');
        if (error is null)
        {
            Log("info", "revoked", $"The {name} was revoked at the provider.");
            return;
        }

        Log("warning", "revoke_failed", $"Revoking the {name} failed: {error.Code}{Describe(error.Description)}. It was deleted here regardless.");
        Record(new RevocationFailed(Now, tokenTypeHint, error.Code));
    }

    /// <summary>What a tick of the refresh reminder should do.</summary>
    public ReminderPlan ReminderTicked()
    {
        if (!State.Exists || State.Tokens?.RefreshToken is null || State.Refresh.NextAt is not { } next
            || State.Status is ConnectionStatus.Pending or ConnectionStatus.Disconnected || State.RefreshFailedTerminally)
        {
            return ReminderPlan.Stop;
        }

        // Idempotent: a duplicate or early tick only re-arms the reminder for what is due.
        return Now >= next ? ReminderPlan.Refresh : ReminderPlan.Rearm;
    }

    /// <summary>Used, valid and not due: a fetch changes nothing but the time of the last fetch.</summary>
    public static bool ServableAsIs(ConnectionState state, DateTimeOffset now) =>
        state is { Exists: true, Status: ConnectionStatus.Used, Tokens: { } tokens }
        && (tokens.ExpiresAt is not { } expiry || expiry > now)
        && !IsDue(state, now);

    /// <summary>The entry the tenant's index lists for this connection.</summary>
    public static IndexEntry IndexEntry(string connectionId, ConnectionState state) => new(
        connectionId,
        state.Status,
        state.Settings.Provider,
        state.Settings.Integration,
        MetadataHash.Of(state.Settings.Metadata),
        state.IndexRevision);

    private bool IsDue(DateTimeOffset now) => IsDue(State, now);

    private static bool IsDue(ConnectionState state, DateTimeOffset now) =>
        state.Tokens is { RefreshToken: not null } tokens
        && ((state.Refresh.NextAt is { } next && now >= next) || (tokens.ExpiresAt is { } expiry && now >= expiry));

    private bool IssuedWithin(TimeSpan window) => State.Tokens is { } tokens && Now - tokens.IssuedAt < window;

    private void StoreTokens(TokenSet tokens, string logEvent, string message)
    {
        State.Tokens = tokens;
        State.Config = Merged(State.Config, tokens.Config);
        State.Refresh = new RefreshSchedule
        {
            NextAt = tokens.RefreshToken is null ? null : _policy.DueAt(tokens.IssuedAt, tokens.ExpiresAt, State.Settings.RefreshIntervalSeconds, jitter.NextDouble()),
            CallsThisHour = State.Refresh.CallsThisHour,
            HourStartedAt = State.Refresh.HourStartedAt,
        };
        Record(new RefreshScheduled(Now, State.Refresh.NextAt));
        Log("info", logEvent, message);
    }

    private void FailAuthorization(LifecycleEvent e, string code, string? description, string logEvent)
    {
        Transition(e);
        Record(new AuthorizationFailed(Now, RecordError(code, description, logEvent)));
    }

    private void Recover()
    {
        Log("info", "recovered", "The connection recovered and is configured again.");
        Record(new Recovered(Now));
    }

    private void DropAttempt()
    {
        if (State.Attempt is { } attempt)
        {
            State.Attempt = null;
            Record(new AttemptDropped(Now, attempt.StateHash));
        }
    }

    /// <summary>Applies the lifecycle's answer to <paramref name="e"/>; a status change is recorded and reaches the index.</summary>
    private LifecycleStep Transition(LifecycleEvent e)
    {
        var step = ConnectionLifecycle.Next(State.Status, e, Context());
        if (step.Allowed && step.To != State.Status)
        {
            Record(new StatusChanged(Now, State.Status, step.To));
            State.Status = step.To;
            State.IndexRevision++;
        }

        return step;
    }

    private LifecycleContext Context() => new(
        EverHeldTokens: State.EverHeldTokens,
        AccessTokenValid: State.Tokens?.ExpiresAt is not { } expiry || expiry > Now,
        RetryWindowPassed: State.Refresh.FirstFailureAt is { } first && Now - first >= options.RetryWindow,
        RefreshFailedTerminally: State.RefreshFailedTerminally);

    private ConnectionError RecordError(string code, string? description, string logEvent, string suffix = "")
    {
        var error = new ConnectionError(Now, code, description);
        State.LastError = error;
        Log("error", logEvent, $"{code}{Describe(description)}{suffix}");
        return error;
    }

    private void Log(string level, string logEvent, string message)
    {
        var entry = new LogEntry(Now, level, logEvent, message);
        State.Log.Add(entry);
        var excess = State.Log.Count - options.MaxLogEntries;
        if (excess > 0)
        {
            State.Log.RemoveRange(0, excess);
        }

        Record(new LogEntryAdded(entry));
    }

    private void Record(ConnectionEvent e) => _events.Add(e);

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.NotFound, ProblemCodes.ConnectionNotFound, "No such connection.");
        }
    }

    private static ConnectionProblemException Conflict(string code, string message) => new(ConnectionProblemKind.Conflict, code, message);

    private static string Describe(string? description) => string.IsNullOrEmpty(description) ? "" : $": {description}";

    /// <summary>A new config: <paramref name="config"/> with <paramref name="values"/> on top (the same instance when they add nothing).</summary>
    private static IReadOnlyDictionary<string, string> Merged(IReadOnlyDictionary<string, string> config, IReadOnlyDictionary<string, string>? values)
    {
        if (values is null or { Count: 0 } || values.All(v => config.TryGetValue(v.Key, out var held) && held == v.Value))
        {
            return config;
        }

        var merged = new Dictionary<string, string>(config, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (merged.Count < ConnectionConfig.MaxEntries || merged.ContainsKey(key))
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    private static IReadOnlyDictionary<string, string> Without(IReadOnlyDictionary<string, string> config, IReadOnlyDictionary<string, string>? keys) =>
        keys is null or { Count: 0 } ? config : config.Where(p => !keys.ContainsKey(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

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

/// <summary>What a token fetch in turn does before handing out the token.</summary>
public enum FetchPlan
{
    /// <summary>Hand out the token held.</summary>
    Serve,

    /// <summary>The token is due: refresh first.</summary>
    Refresh,

    /// <summary>Refresh first although the token is not due (forced, or an errored connection trying to recover).</summary>
    ForcedRefresh,
}

/// <summary>A fetch's token, and what it changed: the status (written before hand-out) or only a <c>used</c> entry.</summary>
public readonly record struct FetchResult(AccessTokenResult Token, bool StatusChanged, bool LoggedUsed);

/// <summary>What follows an <c>unauthorized</c> report.</summary>
public enum RecoveryPlan
{
    /// <summary>No refresh can recover it (no refresh token, a terminal failure, or it is not errored).</summary>
    None,

    /// <summary>One forced refresh.</summary>
    Refresh,

    /// <summary>Its tokens were issued within the debounce: they count as the refresh.</summary>
    AlreadyFresh,
}

/// <summary>What a tick of the refresh reminder does.</summary>
public enum ReminderPlan
{
    /// <summary>Nothing is left to refresh: remove the reminder.</summary>
    Stop,

    /// <summary>Early or duplicate: arm it again for what is due.</summary>
    Rearm,

    /// <summary>Due: refresh now.</summary>
    Refresh,
}
