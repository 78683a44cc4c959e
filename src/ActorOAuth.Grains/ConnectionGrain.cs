using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using ActorOAuth.Grains.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace ActorOAuth.Grains;

/// <summary>
/// The shell around one <see cref="Connection"/>: each call runs one of its intent methods, writes the state (a
/// command only once it is in storage, see <see cref="ConnectionStore"/>), then carries out what the change recorded:
/// the authorization-state registry, the refresh reminder, the tenant's index, operator logs.
/// </summary>
[GrainType("connection")]
public sealed class ConnectionGrain(
    [PersistentState("connection", GrainStorage.Name)] IPersistentState<ConnectionState> storage,
    ProviderClient provider,
    ProviderUrlPolicy urls,
    TimeProvider time,
    JitterSource jitter,
    DeepCopier<ConnectionState> copier,
    IOptions<ConnectionOptions> options,
    ILogger<ConnectionGrain> logger) : Grain, IConnectionGrain, IConnectionTurn, IRemindable
{
    private readonly ConnectionOptions _options = options.Value;
    private ConnectionStore _store = null!;
    private ConnectionEffects _effects = null!;

    /// <summary>The last fetch, those served from memory included (the state's is the last one taken in turn).</summary>
    private DateTimeOffset? _lastUsedAt;

    /// <summary>When this activation last logged <c>used</c>.</summary>
    private DateTimeOffset? _usedLoggedAt;

    private ConnectionState State => storage.State;

    private string ConnectionId => ConnectionKeys.Split(this.GetPrimaryKeyString()).ConnectionId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _effects = new ConnectionEffects(this, GrainFactory, storage, _options, time, logger);
        _store = new ConnectionStore(this, storage, copier, _options, time, jitter, logger, _effects.Sync);
        _effects.Unwritten = () => _store.Unwritten;
        _effects.WriteLater = _store.DeferUsedWrite;
        return _effects.Activated();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _effects.Deactivated();
        return _store.Flush(reason, cancellationToken);
    }

    public async Task<SaveResult> Save(ConnectionSettings settings, string callbackUrl)
    {
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
                throw Invalid("Discovery at the issuer did not yield usable authorization and token endpoints; give authorizeUrl and tokenUrl.");
            }

            issParameterRequired = metadata?.IssParameterSupported == true;
        }

        var created = await Command(c => c.Save(settings, callbackUrl, issParameterRequired));
        return new SaveResult(View(), created);
    }

    public Task<ConnectionView> Get()
    {
        EnsureExists();
        return Task.FromResult(View());
    }

    public async Task Delete()
    {
        await Disconnect();
        var attempt = State.Attempt?.StateHash;
        // Written as a deleted row carrying the connection.deleted event; the row goes once the event is handed on.
        await Command(c => c.Delete());
        _lastUsedAt = _usedLoggedAt = null;
        await _effects.Deleted(attempt);
        DeactivateOnIdle();
    }

    public async Task<AuthorizationStart> Authorize(string redirectUri, string? returnUrl)
    {
        EnsureExists();
        if (urls.FormProblem(State.Settings.AuthorizeUrl!) is { } refused)
        {
            throw Invalid("The authorizeUrl is no longer allowed: " + refused);
        }

        return await Command(c => c.StartAuthorization(redirectUri, returnUrl));
    }

    public async Task<CallbackOutcome> CompleteCallback(string stateHash, CallbackRequest callback)
    {
        var before = _store.Snapshot();
        var connection = Domain();
        if (connection.RedeemAttempt(stateHash, callback) is not { } attempt)
        {
            return new CallbackOutcome(CallbackResult.Expired);
        }

        if (connection.RejectCallback(callback) is { } rejected)
        {
            await Commit(before, connection);
            return rejected;
        }

        var result = await provider.ExchangeCode(State.Settings, callback.Code!, attempt.RedirectUri, attempt.CodeVerifier, CancellationToken.None);
        if (result.Tokens is not { } tokens)
        {
            connection.ExchangeFailed(result.Error!);
            await Commit(before, connection);
            return new CallbackOutcome(CallbackResult.TokenEndpointFailed, result.Error!.Code, result.Error.Description);
        }

        connection.CodeExchanged(tokens);
        var written = await Keep(connection, again =>
        {
            if (again.State.Attempt?.StateHash == stateHash)
            {
                again.State.Attempt = null;
            }

            again.CodeExchanged(tokens);
        });
        return new CallbackOutcome(written ? CallbackResult.Succeeded : CallbackResult.Saving, ReturnUrl: attempt.ReturnUrl);
    }

    /// <summary>
    /// The hot path. It interleaves with every other call and timer, so it only reads the state (the storage may be
    /// serializing it meanwhile) and changes nothing but the time of the last fetch; anything more takes its turn.
    /// </summary>
    public ValueTask<AccessTokenResult> GetAccessToken(bool forceRefresh)
    {
        var now = time.GetUtcNow();
        if (forceRefresh || !Connection.ServableAsIs(State, now) || _usedLoggedAt is not { } logged || now - logged >= _options.UsedLogInterval)
        {
            return new(this.AsReference<IConnectionTurn>().FetchInTurn(forceRefresh));
        }

        _lastUsedAt = now;
        return new(Connection.Handout(State.Tokens!));
    }

    public async Task<AccessTokenResult> FetchInTurn(bool forceRefresh)
    {
        var plan = Domain().PlanFetch(forceRefresh);
        if (plan != FetchPlan.Serve)
        {
            await Refresh(forced: plan == FetchPlan.ForcedRefresh);
        }

        // The first fetch changes the status: written before the token goes out, or kept and written again like the
        // tokens themselves when storage does not answer (the token is the provider's; hand-out does not wait on a
        // database outage). A repeated fetch at most logs `used`, written later.
        var connection = Domain();
        var fetched = connection.TokenFetched(_usedLoggedAt);
        if (fetched.StatusChanged)
        {
            await Keep(connection, again => again.MarkUsed());
        }
        else if (fetched.LoggedUsed)
        {
            _store.DeferUsedWrite();
        }

        _lastUsedAt = State.LastUsedAt;
        _usedLoggedAt = fetched.LoggedUsed ? _lastUsedAt : _usedLoggedAt;
        return fetched.Token;
    }

    public Task ReportError(string code, string? message) => Command(c => c.ReportError(code, message));

    public async Task<ConnectionView> Disconnect()
    {
        EnsureExists();
        var settings = State.Settings;
        // Tokens are gone from storage before revocation is tried, so a failing provider cannot keep them alive.
        if (await Command(c => c.Disconnect()) is { } tokens)
        {
            // RFC 7009: the refresh token first, so a leaked access token cannot be renewed in between.
            var results = new List<(string Hint, ProviderError? Error)>();
            foreach (var (token, hint) in new[] { (tokens.RefreshToken, "refresh_token"), (tokens.AccessToken, "access_token") })
            {
                if (token is not null)
                {
                    results.Add((hint, await provider.TryRevoke(settings, token, hint)));
                }
            }

            void Revoked(Connection c) => results.ForEach(r => c.Revoked(r.Hint, r.Error));
            var connection = Domain();
            Revoked(connection);
            await Keep(connection, Revoked);
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
        if (reminderName == ConnectionOutbox.ReminderName)
        {
            await _effects.OutboxTicked();
            return;
        }

        if (reminderName != RefreshScheduler.ReminderName)
        {
            return;
        }

        switch (Domain().ReminderTicked())
        {
            case ReminderPlan.Stop:
                await _effects.Rearm(null);
                break;
            case ReminderPlan.Rearm:
                await _effects.Rearm(State.Refresh.NextAt);
                break;
            case ReminderPlan.Refresh:
                await Refresh(forced: false);
                break;
        }
    }

    /// <summary>One refresh, if the schedule and budget allow a provider call; its outcome is never dropped.</summary>
    private async Task Refresh(bool forced)
    {
        var connection = Domain();
        if (!connection.StartRefresh())
        {
            await _effects.Apply(connection.Events);
            return;
        }

        var result = await provider.Refresh(State.Settings, State.Tokens!, CancellationToken.None);
        Action<Connection> outcome = result.Tokens is { } tokens
            ? c => c.RefreshSucceeded(tokens, forced)
            : c => c.RefreshFailed(result.Error!);
        outcome(connection);
        await Keep(connection, outcome);
    }

    private Connection Domain(ConnectionState? state = null) => new(state ?? State, _options, time, jitter);

    private Task Command(Action<Connection> change) => Command(c =>
    {
        change(c);
        return true;
    });

    /// <summary>A command: the change, then its write (rolled back with a 503 when storage refuses), then its effects.</summary>
    private async Task<T> Command<T>(Func<Connection, T> change)
    {
        var before = _store.Snapshot();
        var connection = Domain();
        var result = change(connection);
        await Commit(before, connection);
        return result;
    }

    private async Task Commit(ConnectionState before, Connection connection)
    {
        if (connection.Events.Count == 0)
        {
            return;
        }

        _effects.Publish(State, connection.Events);
        try
        {
            await _effects.Prepare(connection.Events);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ConnectionProblemException)
        {
            _store.Restore(before);
            throw ConnectionStore.Unavailable(e, _options);
        }

        await _store.Write(before);
        await _effects.Apply(connection.Events);
    }

    /// <summary>A change that must not be lost: written, or kept and written again until it lands; its effects either way.</summary>
    private async Task<bool> Keep(Connection connection, Action<Connection> change)
    {
        _effects.Publish(State, connection.Events);
        await _effects.ArmAhead(connection.Events);
        var written = await _store.WriteKeeping(state =>
        {
            var again = Domain(state);
            change(again);
            _effects.Publish(state, again.Events);
        });
        await _effects.Apply(connection.Events);
        return written;
    }

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.NotFound, ProblemCodes.ConnectionNotFound, $"No connection '{ConnectionId}'.");
        }
    }

    private static ConnectionProblemException Invalid(string message) =>
        new(ConnectionProblemKind.Invalid, ProblemCodes.InvalidSettings, message);

    private ConnectionView View() => ConnectionViews.From(ConnectionId, State, _lastUsedAt);
}

/// <summary>The connection's calls to itself: not part of the contract clients hold (<see cref="IConnectionGrain"/>).</summary>
[Alias("ActorOAuth.IConnectionTurn")]
public interface IConnectionTurn : IGrainWithStringKey
{
    /// <summary>A token fetch that changes the connection (a refresh, the status, a log entry), in turn with its other calls.</summary>
    [Alias("FetchInTurn")]
    Task<AccessTokenResult> FetchInTurn(bool forceRefresh);
}
