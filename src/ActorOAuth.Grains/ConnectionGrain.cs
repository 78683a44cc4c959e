using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using ActorOAuth.Grains.Handout;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization;

namespace ActorOAuth.Grains;

/// <summary>
/// The shell around one <see cref="Connection"/>: each call runs one of its intent methods, writes the state (a
/// command only once it is in storage, see <see cref="ConnectionStore"/>), then carries out what the change recorded:
/// the authorization-state registry, the refresh reminder, the tenant's index, operator logs.
/// </summary>
[GrainType("connection"), MayInterleave(nameof(MayInterleave))]
public sealed partial class ConnectionGrain(
    [PersistentState("connection", GrainStorage.Name)] IPersistentState<ConnectionState> storage,
    ProviderClient provider,
    ProviderUrlPolicy urls,
    TimeProvider time,
    JitterSource jitter,
    DeepCopier<ConnectionState> copier,
    DeferredWrites deferred,
    IOptions<ConnectionOptions> options,
    ILogger<ConnectionGrain> logger) : Grain, IConnectionGrain, IConnectionTurn, IRemindable, IConnectionHandout, IHandoutTurn
{
    private readonly ConnectionOptions _options = options.Value;
    private ConnectionStore _store = null!;
    private ConnectionEffects _effects = null!;
    private HandoutPublisher _handout = null!;

    /// <summary>The last fetch, those served from memory included (the state's is the last one taken in turn).</summary>
    private DateTimeOffset? _lastUsedAt;

    /// <summary>When this activation last logged <c>used</c>.</summary>
    private DateTimeOffset? _usedLoggedAt;

    /// <summary>The time <see cref="MayInterleave"/> found the fetch it let in servable at, for that fetch to use.</summary>
    private DateTimeOffset? _interleavedAt;

    /// <summary>A fetch or lease has the turn (see <see cref="MayInterleave"/>).</summary>
    private bool _fetchingInTurn;

    private ConnectionState State => storage.State;

    private string ConnectionId => ConnectionKeys.Split(this.GetPrimaryKeyString()).ConnectionId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        SharedStrings.Share(State);
        _effects = new ConnectionEffects(this, GrainFactory, storage, _options, time, logger);
        _store = new ConnectionStore(this, storage, copier, _options, time, jitter, logger, _effects, deferred);
        _effects.Store = _store;
        _handout = HandoutHosting.Publisher(ServiceProvider, this.GetPrimaryKeyString(), _options, time, logger);
        _handout.Activated(State);
        return _effects.Activated();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _effects.Deactivated();
        if (await _handout.DeactivatingAsync(State))
        {
            State.HandoutLeased = false;
            _store.WriteBeforeDeactivation();
        }

        await _store.Flush(reason, cancellationToken);
    }

    public async Task<SaveResult> Save(ConnectionSettings settings, string callbackUrl)
    {
        var attachedBefore = State.Exists ? State.Given?.Integration : null;
        if (settings.Integration is { } integration)
        {
            return await SaveWithIntegration(settings, integration, callbackUrl, attachedBefore);
        }

        var issParameterRequired = false;
        if (settings.Issuer is { } issuer)
        {
            // Discovery fills the endpoints not given; when all are given it only tells whether iss is promised.
            var discovery = await provider.Discover(issuer, CancellationToken.None);
            var metadata = discovery.Metadata;
            settings = settings with
            {
                AuthorizeUrl = settings.AuthorizeUrl ?? metadata?.AuthorizeUrl,
                TokenUrl = settings.TokenUrl ?? metadata?.TokenUrl,
                RevokeUrl = settings.RevokeUrl ?? metadata?.RevokeUrl,
                UserInfoUrl = settings.UserInfoUrl ?? metadata?.UserInfoUrl,
            };
            if (settings.AuthorizeUrl is null || settings.TokenUrl is null)
            {
                throw new FieldProblemException("issuer", (discovery.Problem ?? "The issuer's metadata names no authorization or token endpoint.")
                    + " Give authorizeUrl and tokenUrl, or an issuer whose metadata has them.");
            }

            issParameterRequired = metadata?.IssParameterSupported == true;
        }

        var created = await Command(c => c.Save(settings, callbackUrl, issParameterRequired));
        if (attachedBefore is not null)
        {
            await Detach(attachedBefore);
        }

        return new SaveResult(View(), created);
    }

    public async Task<ConnectionView> Get()
    {
        EnsureExists();
        await _handout.CollectAsync();
        return View();
    }

    public async Task Delete()
    {
        await Disconnect();
        var attempt = State.Attempt?.StateHash;
        var integration = State.Given?.Integration;
        // Written as a deleted row carrying the connection.deleted event; the row goes once the event is handed on.
        await Command(c => c.Delete());
        _lastUsedAt = _usedLoggedAt = null;
        await _effects.Deleted(attempt);
        if (integration is not null)
        {
            await Detach(integration);
        }

        DeactivateOnIdle();
    }

    public async Task<AuthorizationStart> Authorize(string redirectUri, string? returnUrl)
    {
        EnsureExists();
        await CurrentSettings();
        if (urls.FormProblem(State.Settings.AuthorizeUrl!) is { } refused)
        {
            throw Invalid("The authorizeUrl is no longer allowed: " + refused);
        }

        return await Command(c => c.StartAuthorization(redirectUri, returnUrl));
    }

    public Task<CallbackOutcome> CompleteCallback(string stateHash, CallbackRequest callback) => Changing(() => Callback(stateHash, callback));

    private async Task<CallbackOutcome> Callback(string stateHash, CallbackRequest callback)
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

        var (settings, unavailable) = await TryCurrentSettings();
        var entry = BuiltInProviders.Behaviour(settings.Provider);
        if (unavailable is null && CallbackProof.Problem(entry, settings, callback) is { } unverified)
        {
            var outcome = connection.CallbackUnverified(unverified);
            await Commit(before, connection);
            return outcome;
        }

        var result = unavailable is null
            ? await provider.ExchangeCode(settings, callback.Code!, attempt.RedirectUri, attempt.CodeVerifier, CancellationToken.None)
            : new ProviderTokenResult(null, unavailable);
        if (result.Tokens is not { } tokens)
        {
            connection.ExchangeFailed(result.Error!);
            await Commit(before, connection);
            return new CallbackOutcome(CallbackResult.TokenEndpointFailed, result.Error!.Code, result.Error.Description);
        }

        var callbackConfig = CallbackProof.Capture(entry, callback);
        connection.CodeExchanged(tokens, callbackConfig);
        var written = await Keep(connection, again =>
        {
            if (again.State.Attempt?.StateHash == stateHash)
            {
                again.State.Attempt = null;
            }

            again.CodeExchanged(tokens, callbackConfig);
        });

        if (entry.Config.Any(c => c.From == ConfigSources.Lookup))
        {
            // After the tokens are safe: the lookups are provider calls that may be slow or fail.
            var (values, problems) = await provider.LookUpConfig(settings, tokens, CancellationToken.None);
            void LookedUp(Connection c) => c.ConfigLookedUp(values, problems);
            var looked = Domain();
            LookedUp(looked);
            written &= await Keep(looked, LookedUp);
        }

        return new CallbackOutcome(written ? CallbackResult.Succeeded : CallbackResult.Saving, ReturnUrl: attempt.ReturnUrl);
    }

    public Task WriteDeferred() => _store.WriteDeferred();

    private async Task<AccessTokenResult> Fetch(bool forceRefresh)
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

    /// <summary>
    /// Errors the connection; a reported <c>unauthorized</c> (the provider answered 401) then tries one forced
    /// refresh, which recovers it when it succeeds (tokens a refresh issued within the forced-refresh debounce count
    /// as that refresh, so a burst of reports about the same token refreshes once).
    /// </summary>
    public Task ReportError(string code, string? message) => Published(Reported(code, message));

    private async Task Reported(string code, string? message)
    {
        await Command(c => c.ReportError(code, message));
        if (code != "unauthorized")
        {
            return;
        }

        var connection = Domain();
        switch (connection.PlanUnauthorizedRecovery())
        {
            case RecoveryPlan.Refresh:
                await Refresh(forced: true);
                break;
            case RecoveryPlan.AlreadyFresh:
                connection.RecoveredWithFreshTokens();
                await Keep(connection, c => c.RecoveredWithFreshTokens());
                break;
        }
    }

    public async Task<ConnectionView> Disconnect()
    {
        EnsureExists();
        var (settings, unavailable) = await TryCurrentSettings();
        var config = State.Config;
        // Tokens are gone from storage before revocation is tried, so a failing provider cannot keep them alive.
        if (await Command(c => c.Disconnect()) is { } tokens)
        {
            var results = new List<(string Hint, ProviderError? Error)>();
            foreach (var (token, hint) in Revocable(BuiltInProviders.Behaviour(settings.Provider).Revocation, tokens))
            {
                // Without the integration's credentials a revocation cannot authenticate: it fails with the reason instead.
                results.Add((hint, unavailable ?? await provider.TryRevoke(settings, config, token, hint)));
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

    private Connection Domain(ConnectionState? state = null) => new(state ?? State, _options, time, jitter);

    private Task Command(Action<Connection> change) => Command(c =>
    {
        change(c);
        return true;
    });

    /// <summary>A command: the change, then its write (rolled back with a 503 when storage refuses), then its effects.</summary>
    private Task<T> Command<T>(Func<Connection, T> change) => Changing(async () =>
    {
        var before = _store.Snapshot();
        var connection = Domain();
        var result = change(connection);
        await Commit(before, connection);
        return result;
    });

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

    private ConnectionView View() => ConnectionViews.From(ConnectionId, State, HandoutPublisher.Later(_lastUsedAt, _handout.LastFetchAt));
}

/// <summary>The connection's calls from its silo: not part of the contract clients hold (<see cref="IConnectionGrain"/>).</summary>
[Alias("ActorOAuth.IConnectionTurn")]
public interface IConnectionTurn : IGrainWithStringKey
{
    /// <summary>Its deferred write fell due (sent by the silo's <see cref="DeferredWrites"/>): what waits is written in turn.</summary>
    [Alias("WriteDeferred"), OneWay]
    Task WriteDeferred();
}
