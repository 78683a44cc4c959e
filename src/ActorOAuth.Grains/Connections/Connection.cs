using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Providers;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// One connection's state and the rules that change it, in plain C#: each intent method checks what the lifecycle
/// allows, changes <see cref="State"/> and records what follows as <see cref="Events"/>. Nothing here waits on storage,
/// a provider or another grain: the grain calls a method, writes the state, then carries out the events. By concern:
/// settings, disconnection and what every intent uses here; the authorization in <c>Connection.Authorization.cs</c>;
/// fetches, refreshes, reports and the reminder in <c>Connection.Tokens.cs</c>.
/// </summary>
public sealed partial class Connection(ConnectionState state, ConnectionOptions options, TimeProvider time, JitterSource jitter)
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

    /// <summary>The entry the tenant's index lists for this connection.</summary>
    public static IndexEntry IndexEntry(string connectionId, ConnectionState state) => new(
        connectionId,
        state.Status,
        state.Settings.Provider,
        state.Settings.Integration,
        MetadataHash.Of(state.Settings.Metadata),
        state.IndexRevision);

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
}
