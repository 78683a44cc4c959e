using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Index;
using ActorOAuth.Grains.Security;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains;

[GrainType("connection")]
public sealed partial class ConnectionGrain(
    [PersistentState("connection", GrainStorage.Name)] IPersistentState<ConnectionState> store,
    ProviderClient provider,
    ProviderUrlPolicy urls,
    TimeProvider time,
    IOptions<ConnectionOptions> options,
    ILogger<ConnectionGrain> logger) : Grain, IConnectionGrain, IRemindable
{
    private const string RefreshReminder = "refresh";

    private readonly ConnectionOptions _options = options.Value;
    private readonly RefreshPolicy _policy = new(options.Value);
    private ConnectionState State => store.State;
    private IGrainTimer? _writeRetry;
    private IGrainTimer? _usedWrite;
    private bool _usedUnwritten;
    private DateTimeOffset? _lastUsedLogAt;

    /// <summary>
    /// The last fetch, including those served from memory, which leave the state alone: the state's
    /// <see cref="ConnectionState.LastUsedAt"/> is the last fetch taken in turn, written with the connection.
    /// </summary>
    private DateTimeOffset? _lastUsedAt;
    private ConnectionStatus? _indexedStatus;

    private string ConnectionId => ConnectionKeys.Split(this.GetPrimaryKeyString()).ConnectionId;

    private string Tenant => ConnectionKeys.Split(this.GetPrimaryKeyString()).Tenant;

    public async Task<SaveResult> Save(ConnectionSettings settings, string callbackUrl)
    {
        var now = time.GetUtcNow();
        var created = !State.Exists;
        var secret = string.IsNullOrEmpty(settings.ClientSecret) ? State.Settings.ClientSecret : settings.ClientSecret;
        settings = settings with { ClientSecret = secret };
        var issParameterRequired = false;
        if (settings.Issuer is { } issuer)
        {
            var metadata = await provider.Discover(issuer, CancellationToken.None);
            settings = settings with
            {
                AuthorizeUrl = settings.AuthorizeUrl ?? metadata?.AuthorizeUrl,
                TokenUrl = settings.TokenUrl ?? metadata?.TokenUrl,
                RevokeUrl = settings.RevokeUrl ?? metadata?.RevokeUrl,
            };
            if (settings.AuthorizeUrl is null || settings.TokenUrl is null)
            {
                throw new ConnectionProblemException(ConnectionProblemKind.Invalid,
                    "Discovery at the issuer did not yield usable authorization and token endpoints; give authorizeUrl and tokenUrl.");
            }

            issParameterRequired = metadata?.IssParameterSupported == true;
        }

        State.Settings = settings;
        State.IssParameterRequired = issParameterRequired;
        State.CallbackUrl = callbackUrl;
        State.UpdatedAt = now;
        if (created)
        {
            State.Exists = true;
            State.Status = ConnectionStatus.Pending;
            State.CreatedAt = now;
            AppendLog("info", "created", "Connection created.");
        }
        else
        {
            AppendLog("info", "settings_updated", "Settings updated; tokens kept.");
        }

        await UpdateIndex(settingsSaved: true);
        await Persist();
        return new SaveResult(View(), created);
    }

    public Task<ConnectionView> Get()
    {
        EnsureExists();
        return Task.FromResult(View());
    }

    public async Task Delete()
    {
        EnsureExists();
        if (State.Status != ConnectionStatus.Disconnected)
        {
            await Disconnect();
        }

        await ForgetAttempt();
        await store.ClearStateAsync();
        store.State = new ConnectionState();
        _usedUnwritten = false;
        _lastUsedAt = null;
        await new TenantIndex(GrainFactory).Remove(Tenant, ConnectionId);
        _indexedStatus = null;
        DeactivateOnIdle();
    }

    public async Task<AuthorizationStart> Authorize(string redirectUri, string? returnUrl)
    {
        EnsureExists();
        var settings = State.Settings;
        if (urls.FormProblem(settings.AuthorizeUrl!) is { } refused)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Invalid, "The authorizeUrl is no longer allowed: " + refused);
        }

        var now = time.GetUtcNow();
        var state = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var verifier = settings.Pkce == false ? null : Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var attempt = new AuthorizationAttempt
        {
            StateHash = ConnectionKeys.ForState(state),
            CodeVerifier = verifier,
            RedirectUri = redirectUri,
            ExpiresAt = now + _options.AuthorizationLifetime,
            ReturnUrl = returnUrl,
        };

        var extra = new Parameters();
        foreach (var (name, value) in settings.AuthorizeParams ?? new Dictionary<string, string>())
        {
            extra.Add(name, value);
        }

        var url = new RequestUrl(settings.AuthorizeUrl!).CreateAuthorizeUrl(
            clientId: settings.ClientId!,
            responseType: "code",
            scope: settings.Scopes is { Count: > 0 } scopes ? string.Join(' ', scopes) : null,
            redirectUri: redirectUri,
            state: state,
            codeChallenge: verifier is null ? null : Challenge(verifier),
            codeChallengeMethod: verifier is null ? null : "S256",
            extra: extra);

        await ForgetAttempt();
        await GrainFactory.GetGrain<IAuthorizationStateGrain>(attempt.StateHash).Register(this.GetPrimaryKeyString(), attempt.ExpiresAt);
        State.Attempt = attempt;
        State.CallbackUrl = redirectUri;
        AppendLog("info", "authorize_started", verifier is null ? "Authorization started (PKCE off)." : "Authorization started with PKCE S256.");
        await Persist();
        return new AuthorizationStart(url, attempt.ExpiresAt);
    }

    public async Task<CallbackOutcome> CompleteCallback(CallbackRequest callback)
    {
        var attempt = State.Attempt;
        var now = time.GetUtcNow();
        if (!State.Exists || attempt is null || !FixedTimeEquals(attempt.StateHash, ConnectionKeys.ForState(callback.State)) || now >= attempt.ExpiresAt)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.InvalidState, "This authorization link is unknown, was already used or has expired.");
        }

        State.Attempt = null;
        await GrainFactory.GetGrain<IAuthorizationStateGrain>(attempt.StateHash).Forget();
        AppendLog("info", "callback_received", callback.Error is null ? "The provider redirected back with a code." : "The provider redirected back with an error.");

        // RFC 9207: a present iss must be the connection's issuer; a missing one is refused where the provider promised it.
        var issMismatch = callback.Issuer is not null && State.Settings.Issuer is { } issuer && !string.Equals(issuer, callback.Issuer, StringComparison.Ordinal);
        var issMissing = callback.Issuer is null && State.IssParameterRequired;
        if (issMismatch || issMissing)
        {
            AppendLog("warning", "callback_rejected", issMissing
                ? "The callback carried no iss parameter although the provider advertises it (RFC 9207); possible mix-up attack."
                : "The callback's iss parameter does not match the connection's issuer (RFC 9207); possible mix-up attack.");
            await Persist();
            return new CallbackOutcome(false, "issuer_mismatch", "The response did not come from the expected provider.", null, false);
        }

        if (callback.Error is { } error)
        {
            var denied = error == "access_denied";
            Apply(denied ? LifecycleEvent.AuthorizationDenied : LifecycleEvent.AuthorizationFailed);
            RecordError(error, callback.ErrorDescription, denied ? "authorization_denied" : "authorization_failed");
            await Persist();
            return new CallbackOutcome(false, error, callback.ErrorDescription, null, false);
        }

        if (string.IsNullOrEmpty(callback.Code))
        {
            Apply(LifecycleEvent.AuthorizationFailed);
            RecordError("invalid_request", "The callback carried neither a code nor an error.", "authorization_failed");
            await Persist();
            return new CallbackOutcome(false, "invalid_request", "The provider's answer carried no authorization code.", null, false);
        }

        var result = await provider.ExchangeCode(State.Settings, callback.Code, attempt.RedirectUri, attempt.CodeVerifier, CancellationToken.None);
        if (!result.Succeeded)
        {
            Apply(LifecycleEvent.AuthorizationFailed);
            RecordError(result.Error!.Code, result.Error.Description, "token_exchange_failed");
            await Persist();
            return new CallbackOutcome(false, result.Error.Code, result.Error.Description, null, true);
        }

        State.RefreshFailedTerminally = false;
        State.EverHeldTokens = true;
        var step = Apply(LifecycleEvent.CodeExchanged);
        await StoreTokens(result.Tokens!, "token_exchanged", "Authorization code exchanged for tokens.", step.Recovered);
        return new CallbackOutcome(true, null, null, attempt.ReturnUrl, false);
    }

    /// <summary>
    /// The hot path. It interleaves with every other call and timer, so it only reads the state (the storage may be
    /// serializing it meanwhile) and changes nothing but the time of the last fetch; anything more goes in turn.
    /// </summary>
    public ValueTask<AccessTokenResult> GetAccessToken(bool forceRefresh)
    {
        var now = time.GetUtcNow();
        if (forceRefresh || !ServableFromMemory(now))
        {
            return new(this.AsReference<IConnectionGrain>().GetAccessTokenInTurn(forceRefresh));
        }

        _lastUsedAt = now;
        return new(Handout(State.Tokens!));
    }

    /// <summary>Used, valid and not due, with its <c>used</c> entry logged within the interval: nothing to change.</summary>
    private bool ServableFromMemory(DateTimeOffset now) =>
        State is { Exists: true, Status: ConnectionStatus.Used, Tokens: { } tokens }
        && (tokens.ExpiresAt is not { } expiry || expiry > now)
        && !IsDue(now)
        && _lastUsedLogAt is { } logged && now - logged < _options.UsedLogInterval;

    public async Task<AccessTokenResult> GetAccessTokenInTurn(bool forceRefresh)
    {
        EnsureExists();
        var now = time.GetUtcNow();
        var tokens = State.Tokens;
        var context = Context(now);
        if (tokens is null || State.Status is ConnectionStatus.Pending or ConnectionStatus.Disconnected)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Conflict, $"The connection is {Name(State.Status)} and holds no usable token.");
        }

        if (State.Status == ConnectionStatus.Errored)
        {
            if (!ConnectionLifecycle.CanRecoverByRefresh(State.Status, context) || tokens.RefreshToken is null)
            {
                throw new ConnectionProblemException(ConnectionProblemKind.Conflict, "The connection is errored and a refresh cannot recover it; authorize again.");
            }

            await RefreshOrBackOff(now, forced: true);
        }
        else if (IsDue(now) || (forceRefresh && !RefreshedWithin(now, _options.ForcedRefreshDebounce)))
        {
            await RefreshOrBackOff(now, forced: forceRefresh);
        }

        tokens = State.Tokens!;
        if (State.Status == ConnectionStatus.Errored)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Conflict, "The connection is errored: " + (State.LastError?.Code ?? "unknown error") + ".");
        }

        if (tokens.ExpiresAt is { } expiry && expiry <= now)
        {
            var retryAfter = State.Refresh.NextAt is { } next && next > now ? next - now : TimeSpan.FromSeconds(1);
            throw new ConnectionProblemException(ConnectionProblemKind.Unavailable, "The access token has expired and the provider is being retried.", retryAfter);
        }

        await MarkUsed(now);
        return Handout(tokens);
    }

    private static AccessTokenResult Handout(TokenSet tokens) => new(tokens.AccessToken, tokens.TokenType, tokens.ExpiresAt, tokens.GrantedScopes);

    public async Task ReportError(string code, string? message)
    {
        EnsureExists();
        var step = ConnectionLifecycle.Next(State.Status, LifecycleEvent.ErrorReported, Context(time.GetUtcNow()));
        if (!step.Allowed)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Conflict, $"A {Name(State.Status)} connection cannot be errored.");
        }

        await SetStatus(step.To);
        RecordError(code, message, "error_reported");
        await Persist();
    }

    public async Task<ConnectionView> Disconnect()
    {
        EnsureExists();
        var step = ConnectionLifecycle.Next(State.Status, LifecycleEvent.DisconnectRequested);
        if (!step.Allowed)
        {
            return View();
        }

        var tokens = State.Tokens;
        var settings = State.Settings;
        await StopRefresh();
        await ForgetAttempt();
        State.Attempt = null;
        State.Tokens = null;
        State.Refresh = new RefreshSchedule();
        await SetStatus(step.To);
        AppendLog("info", "disconnected", "Disconnected: refresh stopped and tokens deleted.");
        // Tokens are gone from storage before revocation is tried, so a failing provider cannot keep them alive.
        await Persist();

        if (tokens is not null && !string.IsNullOrEmpty(settings.RevokeUrl))
        {
            await RevokeAll(settings, tokens);
            await Persist();
        }

        return View();
    }

    public Task<IReadOnlyList<LogEntry>> GetLogs(int limit)
    {
        EnsureExists();
        IReadOnlyList<LogEntry> newestFirst = State.Log.AsEnumerable().Reverse().Take(limit).ToList();
        return Task.FromResult(newestFirst);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RefreshReminder)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (!State.Exists || State.Tokens?.RefreshToken is null || State.Refresh.NextAt is null
            || State.Status is ConnectionStatus.Pending or ConnectionStatus.Disconnected || State.RefreshFailedTerminally)
        {
            await StopRefresh();
            return;
        }

        // Idempotent: a duplicate or early tick only re-arms the reminder for what is due.
        if (now >= State.Refresh.NextAt)
        {
            await RefreshOrBackOff(now, forced: false);
        }
        else
        {
            await ArmReminder(now);
        }
    }

    private async Task RefreshOrBackOff(DateTimeOffset now, bool forced)
    {
        var schedule = State.Refresh;
        if (schedule.BackingOff && schedule.NextAt is { } next && next > now)
        {
            // While backing off, fetches answer from memory; the grain's own schedule makes the next call.
            return;
        }

        var budgeted = _policy.BudgetedAt(schedule, now);
        if (budgeted > now)
        {
            schedule.NextAt = budgeted;
            await ArmReminder(now);
            return;
        }

        var current = State.Tokens!;
        if (current.RefreshToken is null)
        {
            return;
        }

        RefreshPolicy.CountCall(schedule, now);
        var result = await provider.Refresh(State.Settings, current, CancellationToken.None);
        now = time.GetUtcNow();
        if (result.Succeeded)
        {
            var step = Apply(LifecycleEvent.RefreshSucceeded);
            State.LastRefreshedAt = now;
            await StoreTokens(result.Tokens!, "token_refreshed", forced ? "Access token refreshed on demand." : "Access token refreshed.", step.Recovered);
            return;
        }

        var error = result.Error!;
        if (!error.Transient)
        {
            State.RefreshFailedTerminally = true;
            Apply(LifecycleEvent.TerminalRefreshFailure);
            State.Refresh = new RefreshSchedule();
            await StopRefresh();
            RecordError(error.Code, error.Description, "refresh_failed");
            await Persist();
            return;
        }

        schedule.Failures++;
        schedule.FirstFailureAt ??= now;
        var accessValid = current.ExpiresAt is not { } expiry || expiry > now;
        var windowPassed = now - schedule.FirstFailureAt >= _options.RetryWindow;
        var transient = ConnectionLifecycle.Next(State.Status, LifecycleEvent.TransientRefreshFailure,
            Context(now) with { AccessTokenValid = accessValid, RetryWindowPassed = windowPassed });
        await SetStatus(transient.To);
        schedule.NextAt = _policy.BudgetedAt(schedule, now + _policy.Backoff(schedule.Failures, error.RetryAfter, Random.Shared.NextDouble()));
        RecordError(error.Code, error.Description, "refresh_failed", $" (attempt {schedule.Failures}; next try at {schedule.NextAt:O})");
        await ArmReminder(now);
        await Persist();
    }

    private async Task StoreTokens(TokenSet tokens, string logEvent, string message, bool recovered)
    {
        var now = time.GetUtcNow();
        State.Tokens = tokens;
        State.Refresh = new RefreshSchedule
        {
            NextAt = tokens.RefreshToken is null ? null : _policy.DueAt(tokens.IssuedAt, tokens.ExpiresAt, State.Settings.RefreshIntervalSeconds, Random.Shared.NextDouble()),
            CallsThisHour = State.Refresh.CallsThisHour,
            HourStartedAt = State.Refresh.HourStartedAt,
        };
        AppendLog("info", logEvent, message);
        if (recovered)
        {
            AppendLog("info", "recovered", "The connection recovered and is configured again.");
        }

        await UpdateIndex();
        await Persist();
        await ArmReminder(now);
    }

    private async Task MarkUsed(DateTimeOffset now)
    {
        State.LastUsedAt = _lastUsedAt = now;
        var wasUsed = State.Status == ConnectionStatus.Used;
        Apply(LifecycleEvent.TokenFetched);
        if (!wasUsed)
        {
            await UpdateIndex();
        }

        // The hot path: an already-used connection logs (and writes) at most once per interval.
        if (wasUsed && _lastUsedLogAt is { } last && now - last < _options.UsedLogInterval)
        {
            return;
        }

        _lastUsedLogAt = now;
        AppendLog("info", "used", "An execution fetched the access token.");
        if (!wasUsed)
        {
            await Persist();
            return;
        }

        // A repeated `used` entry changes nothing else: it is written off the token path, at a random moment
        // within UsedWriteDelay, so a fetch never waits on storage and a busy fleet's entries do not land at once.
        // Any other write carries it sooner; deactivation (other than a silo's shutdown) writes it last.
        _usedUnwritten = true;
        _usedWrite ??= this.RegisterGrainTimer(WriteUsed,
            new GrainTimerCreationOptions(_options.UsedWriteDelay * Random.Shared.NextDouble(), Timeout.InfiniteTimeSpan));
    }

    private async Task WriteUsed(CancellationToken cancellationToken)
    {
        _usedWrite?.Dispose();
        _usedWrite = null;
        if (_usedUnwritten)
        {
            await Persist();
        }
    }

    /// <summary>
    /// Writes a pending <c>used</c> entry when the activation is collected or moved. Not while the silo shuts down: the
    /// storage may already be gone (in-memory storage is), and thousands of log-only writes would slow a rolling restart.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_usedUnwritten && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            await TryWrite(cancellationToken);
        }
    }

    private async Task RevokeAll(ConnectionSettings settings, TokenSet tokens)
    {
        // RFC 7009: the refresh token first, so a leaked access token cannot be renewed in between.
        foreach (var (token, hint) in new[] { (tokens.RefreshToken, "refresh_token"), (tokens.AccessToken, "access_token") })
        {
            if (token is null)
            {
                continue;
            }

            var error = await TryRevoke(settings, token, hint);
            if (error is null)
            {
                AppendLog("info", "revoked", $"The {hint.Replace('_', ' ')} was revoked at the provider.");
            }
            else
            {
                AppendLog("warning", "revoke_failed", $"Revoking the {hint.Replace('_', ' ')} failed: {error.Code}{Describe(error.Description)}. It was deleted here regardless.");
                LogRevokeFailed(logger, this.GetPrimaryKeyString(), hint, error.Code);
            }
        }
    }

    private async Task<ProviderError?> TryRevoke(ConnectionSettings settings, string token, string hint)
    {
        try
        {
            return await provider.Revoke(settings, token, hint, CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException
            or ProviderAddressRefusedException or ProviderResponseTooLargeException)
        {
            return ProviderClient.FromException(e);
        }
    }

    private LifecycleStep Apply(LifecycleEvent e)
    {
        var step = ConnectionLifecycle.Next(State.Status, e, Context(time.GetUtcNow()));
        if (step.Allowed)
        {
            State.Status = step.To;
        }

        return step;
    }

    /// <summary>Sets the status and tells the tenant's index when it changed.</summary>
    private async Task SetStatus(ConnectionStatus status)
    {
        if (State.Status != status)
        {
            State.Status = status;
            await UpdateIndex();
        }
    }

    private LifecycleContext Context(DateTimeOffset now) => new(
        EverHeldTokens: State.EverHeldTokens,
        AccessTokenValid: State.Tokens?.ExpiresAt is not { } expiry || expiry > now,
        RetryWindowPassed: State.Refresh.FirstFailureAt is { } first && now - first >= _options.RetryWindow,
        RefreshFailedTerminally: State.RefreshFailedTerminally);

    private bool IsDue(DateTimeOffset now) =>
        State.Tokens is { RefreshToken: not null } tokens
        && ((State.Refresh.NextAt is { } next && now >= next) || (tokens.ExpiresAt is { } expiry && now >= expiry));

    private bool RefreshedWithin(DateTimeOffset now, TimeSpan window) =>
        State.Tokens is { } tokens && now - tokens.IssuedAt < window;

    private async Task ArmReminder(DateTimeOffset now)
    {
        if (State.Refresh.NextAt is not { } next || State.Tokens?.RefreshToken is null)
        {
            await StopRefresh();
            return;
        }

        var due = next > now ? next - now : TimeSpan.Zero;
        await this.RegisterOrUpdateReminder(RefreshReminder, due, _options.ReminderPeriod);
    }

    private async Task StopRefresh()
    {
        if (await this.GetReminder(RefreshReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task ForgetAttempt()
    {
        if (State.Attempt is { } attempt)
        {
            await GrainFactory.GetGrain<IAuthorizationStateGrain>(attempt.StateHash).Forget();
        }
    }

    /// <summary>
    /// Pushes the connection's entry to the tenant's index when its status changed since this activation last did, or
    /// settings were saved. Runs before the state write that stores the new revision; a failure is logged and the push
    /// repeated with the next write.
    /// </summary>
    private async Task UpdateIndex(bool settingsSaved = false)
    {
        if (!settingsSaved && _indexedStatus == State.Status)
        {
            return;
        }

        var (status, settings) = (State.Status, State.Settings);
        var entry = new IndexEntry(ConnectionId, status, settings.Provider, null, MetadataHash.Of(settings.Metadata), ++State.Revision);
        try
        {
            await new TenantIndex(GrainFactory).Upsert(Tenant, entry);
            _indexedStatus = status;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _indexedStatus = null;
            LogIndexFailed(logger, e, this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// Writes the state. A failed write keeps the state (and any new tokens) in memory and retries on
    /// a timer until it succeeds: an issued token is never dropped.
    /// </summary>
    private async Task Persist()
    {
        await UpdateIndex();
        State.UpdatedAt = time.GetUtcNow();
        if (!await TryWrite(CancellationToken.None))
        {
            _writeRetry ??= this.RegisterGrainTimer(RetryWrite, new GrainTimerCreationOptions(_options.StateWriteRetryDelay, _options.StateWriteRetryDelay) { KeepAlive = true });
        }
    }

    /// <summary>One write of the state; a failure is logged and leaves the state in memory for the caller to retry.</summary>
    private async Task<bool> TryWrite(CancellationToken cancellationToken)
    {
        try
        {
            await store.WriteStateAsync(cancellationToken);
            Written();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWriteFailed(logger, e, this.GetPrimaryKeyString());
            return false;
        }
    }

    private async Task RetryWrite(CancellationToken cancellationToken)
    {
        if (await TryWrite(cancellationToken))
        {
            LogWriteRecovered(logger, this.GetPrimaryKeyString());
        }
    }

    /// <summary>Storage holds everything in memory now: no pending `used` entry, no write to retry.</summary>
    private void Written()
    {
        _usedUnwritten = false;
        _writeRetry?.Dispose();
        _writeRetry = null;
    }

    private void RecordError(string code, string? description, string logEvent, string suffix = "")
    {
        State.LastError = new ConnectionError(time.GetUtcNow(), code, description);
        AppendLog("error", logEvent, $"{code}{Describe(description)}{suffix}");
    }

    private void AppendLog(string level, string logEvent, string message)
    {
        State.Log.Add(new LogEntry(time.GetUtcNow(), level, logEvent, message));
        var excess = State.Log.Count - _options.MaxLogEntries;
        if (excess > 0)
        {
            State.Log.RemoveRange(0, excess);
        }
    }

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.NotFound, $"No connection '{ConnectionId}'.");
        }
    }

    private ConnectionView View()
    {
        var s = State.Settings;
        var hidden = new HashSet<string>(s.Hidden ?? [], StringComparer.OrdinalIgnoreCase);
        string? Show(string field, string? value) => hidden.Contains(field) ? null : value;
        return new ConnectionView
        {
            Id = ConnectionId,
            Status = State.Status,
            Provider = Show("provider", s.Provider),
            AuthorizeUrl = Show("authorizeUrl", s.AuthorizeUrl),
            TokenUrl = Show("tokenUrl", s.TokenUrl),
            RevokeUrl = Show("revokeUrl", s.RevokeUrl),
            Issuer = Show("issuer", s.Issuer),
            ClientId = Show("clientId", s.ClientId),
            Scopes = hidden.Contains("scopes") ? [] : s.Scopes ?? [],
            GrantedScopes = hidden.Contains("scopes") ? [] : State.Tokens?.GrantedScopes ?? [],
            HasRefreshToken = State.Tokens?.RefreshToken is not null,
            AccessTokenExpiresAt = State.Tokens?.ExpiresAt,
            NextRefreshAt = State.Refresh.NextAt,
            LastRefreshedAt = State.LastRefreshedAt,
            LastUsedAt = _lastUsedAt ?? State.LastUsedAt,
            LastError = State.LastError,
            CallbackUrl = State.CallbackUrl,
            Metadata = hidden.Contains("metadata") ? new Dictionary<string, string>() : s.Metadata ?? new Dictionary<string, string>(),
            CreatedAt = State.CreatedAt,
            UpdatedAt = State.UpdatedAt,
            TokenAuthMethod = Show("tokenAuthMethod", s.TokenAuthMethod ?? TokenAuthMethods.ClientSecretBasic),
            Pkce = s.Pkce != false,
            Hidden = s.Hidden ?? [],
        };
    }

    private static string Name(ConnectionStatus status) => status.ToString().ToLowerInvariant();

    private static string Describe(string? description) => string.IsNullOrEmpty(description) ? "" : $": {description}";

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Challenge(string verifier) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {Connection}: revoking the {Hint} failed with {Error}; deleted locally")]
    private static partial void LogRevokeFailed(ILogger logger, string connection, string hint, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Connection {Connection}: writing state failed; kept in memory and retrying")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string connection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {Connection}: telling the tenant index failed; repeated with the next write")]
    private static partial void LogIndexFailed(ILogger logger, Exception exception, string connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {Connection}: state written after an earlier failure")]
    private static partial void LogWriteRecovered(ILogger logger, string connection);
}
