using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Connections;

// The tokens: fetches, refreshes, error reports and checks, the refresh reminder.
public sealed partial class Connection
{
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

    private void Recover()
    {
        Log("info", "recovered", "The connection recovered and is configured again.");
        Record(new Recovered(Now));
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
