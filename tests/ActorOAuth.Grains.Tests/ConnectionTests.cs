using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;
using static ActorOAuth.Abstractions.ConnectionStatus;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// The domain object without a silo: one test per transition row of the lifecycle design, with exact times from a fake
/// clock and a jitter source that always answers 0.5 (the middle of every band).
/// </summary>
public sealed class ConnectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private const string Redirect = "https://oauth2.example.com/callback";

    private readonly FakeTimeProvider _time = new(T0);
    private readonly ConnectionOptions _options = new();
    private readonly ConnectionState _state = new();

    private Connection Domain() => new(_state, _options, _time, new MiddleJitter());

    private static ConnectionSettings Settings => new()
    {
        AuthorizeUrl = "https://provider.example/authorize",
        TokenUrl = "https://provider.example/token",
        RevokeUrl = "https://provider.example/revoke",
        ClientId = "client",
        ClientSecret = "secret",
        Scopes = ["files.read", "offline_access"],
    };

    private TokenSet Tokens(string name, TimeSpan? lifetime = null, bool refresh = true) => new()
    {
        AccessToken = "at-" + name,
        RefreshToken = refresh ? "rt-" + name : null,
        IssuedAt = _time.GetUtcNow(),
        ExpiresAt = _time.GetUtcNow() + (lifetime ?? TimeSpan.FromHours(1)),
        GrantedScopes = ["files.read"],
    };

    private static CallbackRequest Code(string code = "code") => new("unused", code, null, null, null);

    /// <summary>Saved, authorized and exchanged at <see cref="T0"/>: configured with a one-hour token.</summary>
    private Connection Connect()
    {
        var c = Domain();
        c.Save(Settings, Redirect, issParameterRequired: false);
        c.StartAuthorization(Redirect, null);
        c.RedeemAttempt(_state.Attempt!.StateHash, Code());
        c.CodeExchanged(Tokens("first"));
        return Domain();
    }

    private Connection ConnectAndUse()
    {
        Connect().TokenFetched(null);
        return Domain();
    }

    private static IEnumerable<string> Logged(Connection c) => c.Events.OfType<LogEntryAdded>().Select(e => e.Entry.Event);

    private static T Single<T>(Connection c) where T : ConnectionEvent => Assert.Single(c.Events.OfType<T>());

    [Fact]
    public void The_first_save_creates_a_pending_connection_and_logs_created()
    {
        var c = Domain();

        Assert.True(c.Save(Settings, Redirect, issParameterRequired: false));

        Assert.Equal(Pending, _state.Status);
        Assert.Equal(T0, _state.CreatedAt);
        Assert.Equal(["created"], Logged(c));
        Assert.Equal(T0, Single<ConnectionCreated>(c).At);
        Assert.Equal(T0.UtcTicks, _state.IndexRevision);
    }

    [Theory]
    [InlineData(Pending)]
    [InlineData(Configured)]
    [InlineData(Used)]
    [InlineData(Errored)]
    [InlineData(Disconnected)]
    public void A_later_save_keeps_the_status_and_the_tokens_and_the_stored_secret(ConnectionStatus status)
    {
        Connect();
        _state.Status = status;
        var tokens = _state.Tokens;
        var revision = _state.IndexRevision;
        var c = Domain();

        Assert.False(c.Save(Settings with { ClientSecret = null, Metadata = new Dictionary<string, string> { ["plan"] = "pro" } }, Redirect, false));

        Assert.Equal(status, _state.Status);
        Assert.Same(tokens, _state.Tokens);
        Assert.Equal("secret", _state.Settings.ClientSecret);
        Assert.Equal(["settings_updated"], Logged(c));
        Assert.Empty(c.Events.OfType<StatusChanged>());
        Assert.Equal(revision + 1, _state.IndexRevision);
    }

    [Theory]
    [InlineData(Pending)]
    [InlineData(Configured)]
    [InlineData(Errored)]
    [InlineData(Disconnected)]
    public void Authorize_starts_an_attempt_with_state_pkce_and_the_exact_redirect_uri_and_discards_the_older_one(ConnectionStatus status)
    {
        Domain().Save(Settings, Redirect, false);
        Domain().StartAuthorization(Redirect, null);
        var older = _state.Attempt!.StateHash;
        _state.Status = status;
        _time.Advance(TimeSpan.FromSeconds(7));
        var c = Domain();

        var start = c.StartAuthorization(Redirect, "https://app.example.com/done");

        var query = QueryHelpers.ParseQuery(new Uri(start.AuthorizationUrl).Query);
        var state = query["state"].ToString();
        Assert.True(Convert.FromBase64String(state.Replace('-', '+').Replace('_', '/') + "=").Length >= 16);
        Assert.Equal(ConnectionKeys.ForState(state), _state.Attempt!.StateHash);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(Redirect, query["redirect_uri"]);
        Assert.Equal(T0 + TimeSpan.FromSeconds(7) + TimeSpan.FromMinutes(10), start.ExpiresAt);
        Assert.Equal(start.ExpiresAt, _state.Attempt.ExpiresAt);
        Assert.Equal("https://app.example.com/done", _state.Attempt.ReturnUrl);
        Assert.Equal(status, _state.Status);
        Assert.Equal(older, Single<AttemptDropped>(c).StateHash);
        Assert.Equal(_state.Attempt.StateHash, Single<AuthorizationStarted>(c).StateHash);
        Assert.Equal(["authorize_started"], Logged(c));
    }

    [Theory]
    [InlineData(Pending, false)]
    [InlineData(Errored, true)]
    [InlineData(Disconnected, false)]
    public void An_exchanged_code_configures_the_connection_consumes_the_attempt_and_schedules_the_refresh(ConnectionStatus status, bool recovers)
    {
        Domain().Save(Settings, Redirect, false);
        _state.Status = status;
        Domain().StartAuthorization(Redirect, null);
        _time.Advance(TimeSpan.FromMinutes(2));
        var c = Domain();

        Assert.NotNull(c.RedeemAttempt(_state.Attempt!.StateHash, Code()));
        Assert.Null(c.RejectCallback(Code()));
        c.CodeExchanged(Tokens("new"));

        Assert.Equal(ConnectionStatus.Configured, _state.Status);
        Assert.Null(_state.Attempt);
        Assert.Equal("at-new", _state.Tokens!.AccessToken);
        // 1-hour token, lead min(5 min, 20 % of 60) = 5 min at the jitter band's middle.
        var due = T0 + TimeSpan.FromMinutes(2) + TimeSpan.FromMinutes(55);
        Assert.Equal(due, _state.Refresh.NextAt);
        Assert.Equal(due, c.Events.OfType<RefreshScheduled>().Last().NextAt);
        Assert.Equal(recovers
            ? ["callback_received", "token_exchanged", "recovered"]
            : ["callback_received", "token_exchanged"], Logged(c));
        Assert.Equal(recovers, c.Events.OfType<Recovered>().Any());
    }

    [Fact]
    public void A_stale_or_expired_attempt_changes_nothing()
    {
        Domain().Save(Settings, Redirect, false);
        Domain().StartAuthorization(Redirect, null);
        var hash = _state.Attempt!.StateHash;
        var c = Domain();

        Assert.Null(c.RedeemAttempt(hash + "0", Code()));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(c.RedeemAttempt(hash, Code()));

        Assert.Equal(hash, _state.Attempt!.StateHash);
        Assert.Empty(c.Events);
    }

    [Theory]
    [InlineData(Pending, false, "access_denied", Pending, CallbackResult.Denied)]
    [InlineData(Pending, true, "access_denied", Errored, CallbackResult.Denied)]
    [InlineData(Pending, false, "server_error", Errored, CallbackResult.ProviderError)]
    [InlineData(Used, true, "access_denied", Errored, CallbackResult.Denied)]
    [InlineData(Configured, true, "invalid_scope", Errored, CallbackResult.ProviderError)]
    public void A_callback_error_errors_the_connection_keeps_its_tokens_and_a_first_denial_stays_pending(
        ConnectionStatus status, bool heldTokens, string error, ConnectionStatus after, CallbackResult result)
    {
        Connect();
        _state.Status = status;
        _state.EverHeldTokens = heldTokens;
        var tokens = _state.Tokens;
        Domain().StartAuthorization(Redirect, null);
        var c = Domain();
        var callback = new CallbackRequest("unused", null, error, "The customer said no.", null);

        c.RedeemAttempt(_state.Attempt!.StateHash, callback);
        var outcome = c.RejectCallback(callback);

        Assert.Equal(result, outcome!.Result);
        Assert.Equal(after, _state.Status);
        Assert.Same(tokens, _state.Tokens);
        Assert.Null(_state.Attempt);
        Assert.Equal(new ConnectionError(T0, error, "The customer said no."), _state.LastError);
        Assert.Equal(["callback_received", error == "access_denied" ? "authorization_denied" : "authorization_failed"], Logged(c));
        Assert.Equal(error, Single<AuthorizationFailed>(c).Error.Code);
    }

    [Fact]
    public void A_failed_code_exchange_errors_the_connection_and_keeps_existing_tokens()
    {
        var tokens = ConnectAndUse().State.Tokens;
        Domain().StartAuthorization(Redirect, null);
        var c = Domain();

        c.RedeemAttempt(_state.Attempt!.StateHash, Code());
        c.ExchangeFailed(new ProviderError("invalid_client", "Bad secret.", Transient: false));

        Assert.Equal(Errored, _state.Status);
        Assert.Same(tokens, _state.Tokens);
        Assert.Equal(["callback_received", "token_exchange_failed"], Logged(c));
        Assert.Equal(new StatusChanged(T0, ConnectionStatus.Used, Errored), Single<StatusChanged>(c));
    }

    [Fact]
    public void A_callback_from_another_issuer_is_rejected_without_changing_the_status()
    {
        Domain().Save(Settings with { Issuer = "https://provider.example" }, Redirect, issParameterRequired: true);
        Domain().StartAuthorization(Redirect, null);
        var c = Domain();
        var forged = Code() with { Issuer = "https://evil.example" };

        c.RedeemAttempt(_state.Attempt!.StateHash, forged);

        Assert.Equal(CallbackResult.IssuerMismatch, c.RejectCallback(forged)!.Result);
        Assert.Equal(Pending, _state.Status);
        Assert.Equal(CallbackResult.IssuerMismatch, Domain().RejectCallback(Code())!.Result);
    }

    [Fact]
    public void The_first_fetch_makes_the_connection_used_and_a_repeated_one_logs_used_once_a_minute()
    {
        var c = Connect();

        var first = c.TokenFetched(usedLoggedAt: null);

        Assert.True(first.StatusChanged);
        Assert.Equal("at-first", first.Token.AccessToken);
        Assert.Equal(ConnectionStatus.Used, _state.Status);
        Assert.Equal(["used"], Logged(c));
        _time.Advance(TimeSpan.FromSeconds(59));
        var again = Domain().TokenFetched(usedLoggedAt: T0);
        Assert.Equal((false, false), (again.StatusChanged, again.LoggedUsed));
        Assert.Equal(T0 + TimeSpan.FromSeconds(59), _state.LastUsedAt);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Domain().TokenFetched(usedLoggedAt: T0).LoggedUsed);
    }

    [Fact]
    public void A_fetch_refreshes_first_when_the_token_is_due_or_forced_and_debounces_a_forced_refresh()
    {
        var c = ConnectAndUse();
        Assert.Equal(FetchPlan.Serve, c.PlanFetch(forceRefresh: false));
        Assert.Equal(FetchPlan.Serve, c.PlanFetch(forceRefresh: true));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(FetchPlan.ForcedRefresh, c.PlanFetch(forceRefresh: true));
        _time.Advance(TimeSpan.FromMinutes(55) - TimeSpan.FromSeconds(5));
        Assert.Equal(FetchPlan.Refresh, c.PlanFetch(forceRefresh: false));
    }

    [Theory]
    [InlineData(Pending, ProblemCodes.ConnectionPending)]
    [InlineData(Disconnected, ProblemCodes.ConnectionDisconnected)]
    public void A_fetch_without_tokens_is_a_409_with_its_code(ConnectionStatus status, string code)
    {
        Domain().Save(Settings, Redirect, false);
        if (status == Disconnected)
        {
            Connect().Disconnect();
        }

        var refused = Assert.Throws<ConnectionProblemException>(() => Domain().PlanFetch(false));

        Assert.Equal((ConnectionProblemKind.Conflict, code), (refused.Kind, refused.Code));
    }

    [Fact]
    public void A_refresh_stores_the_new_tokens_keeps_the_status_and_reschedules()
    {
        ConnectAndUse();
        _time.Advance(TimeSpan.FromMinutes(55));
        var c = Domain();

        Assert.True(c.StartRefresh());
        c.RefreshSucceeded(Tokens("second", TimeSpan.FromSeconds(90)), forced: false);

        Assert.Equal(ConnectionStatus.Used, _state.Status);
        Assert.Equal("rt-second", _state.Tokens!.RefreshToken);
        Assert.Equal(T0 + TimeSpan.FromMinutes(55), _state.LastRefreshedAt);
        // 90-second token: lead 20 % of 90 s = 18 s.
        Assert.Equal(T0 + TimeSpan.FromMinutes(55) + TimeSpan.FromSeconds(72), _state.Refresh.NextAt);
        Assert.Equal(1, _state.Refresh.CallsThisHour);
        Assert.Equal(["token_refreshed"], Logged(c));
        Assert.Empty(c.Events.OfType<StatusChanged>());
    }

    [Fact]
    public void An_errored_connection_recovers_by_a_refresh_on_the_next_fetch()
    {
        ConnectAndUse().ReportError("unauthorized", "401");
        var c = Domain();

        Assert.Equal(FetchPlan.ForcedRefresh, c.PlanFetch(false));
        Assert.True(c.StartRefresh());
        c.RefreshSucceeded(Tokens("again"), forced: true);
        var fetched = c.TokenFetched(null);

        Assert.Equal(ConnectionStatus.Used, _state.Status);
        Assert.Equal("at-again", fetched.Token.AccessToken);
        Assert.Equal(["token_refreshed", "recovered", "used"], Logged(c));
        Assert.Equal([(Errored, ConnectionStatus.Configured), (ConnectionStatus.Configured, ConnectionStatus.Used)],
            c.Events.OfType<StatusChanged>().Select(e => (e.From, e.To)));
    }

    [Fact]
    public void An_errored_connection_whose_refresh_failed_stays_errored_and_the_fetch_is_a_409()
    {
        ConnectAndUse().ReportError("unauthorized", "401");
        var c = Domain();
        Assert.True(c.StartRefresh());
        c.RefreshFailed(new ProviderError("http_503", null, Transient: true));

        var refused = Assert.Throws<ConnectionProblemException>(() => c.TokenFetched(null));

        Assert.Equal(ProblemCodes.ConnectionErrored, refused.Code);
        Assert.Equal(Errored, _state.Status);
    }

    [Fact]
    public void A_transient_failure_backs_off_with_jitter_and_retry_after_keeping_the_status_while_the_token_is_valid()
    {
        ConnectAndUse();
        _time.Advance(TimeSpan.FromMinutes(55));
        var c = Domain();

        c.StartRefresh();
        c.RefreshFailed(new ProviderError("http_503", "unavailable", Transient: true));
        var first = _state.Refresh.NextAt;
        _time.Advance(TimeSpan.FromSeconds(30));
        Domain().StartRefresh();
        Domain().RefreshFailed(new ProviderError("http_429", null, Transient: true, RetryAfter: TimeSpan.FromMinutes(3)));

        Assert.Equal(T0 + TimeSpan.FromMinutes(55) + TimeSpan.FromSeconds(30), first);
        Assert.Equal(T0 + TimeSpan.FromMinutes(55) + TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(3), _state.Refresh.NextAt);
        Assert.Equal(ConnectionStatus.Used, _state.Status);
        Assert.Equal(2, _state.Refresh.Failures);
        var failed = Single<RefreshFailed>(c);
        Assert.Equal((false, 1, first), (failed.Terminal, failed.Failures, failed.RetryAt));
        Assert.Equal(["refresh_failed"], Logged(c));
    }

    [Fact]
    public void Transient_failures_past_the_tokens_expiry_and_the_retry_window_error_the_connection()
    {
        ConnectAndUse();
        _time.Advance(TimeSpan.FromMinutes(55));
        Domain().RefreshFailed(new ProviderError("timeout", null, Transient: true));
        _time.Advance(TimeSpan.FromHours(24));
        var c = Domain();

        c.RefreshFailed(new ProviderError("timeout", null, Transient: true));

        Assert.Equal(Errored, _state.Status);
        Assert.Equal(new StatusChanged(T0 + TimeSpan.FromMinutes(55) + TimeSpan.FromHours(24), ConnectionStatus.Used, Errored), Single<StatusChanged>(c));
        Assert.NotNull(_state.Refresh.NextAt);
    }

    [Fact]
    public void While_backing_off_no_provider_call_is_made_before_the_retry_time_and_never_beyond_the_hourly_budget()
    {
        ConnectAndUse();
        _time.Advance(TimeSpan.FromMinutes(55));
        Domain().RefreshFailed(new ProviderError("http_503", null, Transient: true));
        Assert.False(Domain().StartRefresh());

        _state.Refresh.Failures = 0;
        _state.Refresh.CallsThisHour = _options.MaxProviderCallsPerHour;
        _state.Refresh.HourStartedAt = _time.GetUtcNow() - TimeSpan.FromMinutes(10);
        var c = Domain();

        Assert.False(c.StartRefresh());
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(50), Single<RefreshScheduled>(c).NextAt);
    }

    [Theory]
    [InlineData(ConnectionStatus.Configured)]
    [InlineData(ConnectionStatus.Used)]
    public void A_terminal_refresh_failure_errors_the_connection_and_removes_the_schedule(ConnectionStatus status)
    {
        ConnectAndUse();
        _state.Status = status;
        var c = Domain();

        c.RefreshFailed(new ProviderError("invalid_grant", "Revoked.", Transient: false));

        Assert.Equal(Errored, _state.Status);
        Assert.True(_state.RefreshFailedTerminally);
        Assert.Null(_state.Refresh.NextAt);
        Assert.Null(Single<RefreshScheduled>(c).NextAt);
        Assert.True(Single<RefreshFailed>(c).Terminal);
        Assert.Equal(ReminderPlan.Stop, c.ReminderTicked());
        Assert.Equal(ProblemCodes.ReauthorizationRequired, Assert.Throws<ConnectionProblemException>(() => c.PlanFetch(false)).Code);
    }

    [Theory]
    [InlineData(ConnectionStatus.Configured)]
    [InlineData(ConnectionStatus.Used)]
    [InlineData(Errored)]
    public void A_reported_error_errors_the_connection(ConnectionStatus status)
    {
        ConnectAndUse();
        _state.Status = status;
        var c = Domain();

        c.ReportError("unauthorized", "401 from the API");

        Assert.Equal(Errored, _state.Status);
        Assert.Equal(new ConnectionError(T0, "unauthorized", "401 from the API"), Single<ErrorReported>(c).Error);
        Assert.Equal(["error_reported"], Logged(c));
    }

    [Theory]
    [InlineData(Pending, ProblemCodes.ConnectionPending)]
    [InlineData(Disconnected, ProblemCodes.ConnectionDisconnected)]
    public void A_reported_error_on_a_pending_or_disconnected_connection_is_a_409_and_changes_nothing(ConnectionStatus status, string code)
    {
        ConnectAndUse();
        _state.Status = status;
        var c = Domain();

        var refused = Assert.Throws<ConnectionProblemException>(() => c.ReportError("unauthorized", null));

        Assert.Equal(code, refused.Code);
        Assert.Equal(status, _state.Status);
        Assert.Empty(c.Events);
    }

    [Theory]
    [InlineData(Pending)]
    [InlineData(ConnectionStatus.Configured)]
    [InlineData(ConnectionStatus.Used)]
    [InlineData(Errored)]
    public void Disconnect_deletes_the_tokens_stops_refresh_and_hands_them_over_for_revocation(ConnectionStatus status)
    {
        ConnectAndUse();
        _state.Status = status;
        var tokens = _state.Tokens;
        var c = Domain();

        Assert.Same(tokens, c.Disconnect());
        c.Revoked("refresh_token", null);
        c.Revoked("access_token", new ProviderError("http_500", null, Transient: true));

        Assert.Equal(Disconnected, _state.Status);
        Assert.Null(_state.Tokens);
        Assert.Null(_state.Refresh.NextAt);
        Assert.Null(Single<RefreshScheduled>(c).NextAt);
        Assert.Equal(["disconnected", "revoked", "revoke_failed"], Logged(c));
        Assert.Equal("access_token", Single<RevocationFailed>(c).TokenTypeHint);
    }

    [Fact]
    public void Disconnecting_a_disconnected_connection_changes_nothing()
    {
        ConnectAndUse().Disconnect();
        var c = Domain();

        Assert.Null(c.Disconnect());
        Assert.Empty(c.Events);
    }

    [Fact]
    public void A_reminder_tick_refreshes_when_due_rearms_when_early_and_stops_when_nothing_is_left()
    {
        var c = ConnectAndUse();
        Assert.Equal(ReminderPlan.Rearm, c.ReminderTicked());
        _time.Advance(TimeSpan.FromMinutes(55));
        Assert.Equal(ReminderPlan.Refresh, c.ReminderTicked());
        c.Disconnect();
        Assert.Equal(ReminderPlan.Stop, c.ReminderTicked());
    }

    private sealed class MiddleJitter : JitterSource
    {
        public override double NextDouble() => 0.5;
    }
}
