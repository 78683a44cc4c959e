using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Index;
using ActorOAuth.Grains.Telemetry;
using ActorOAuth.Grains.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// Carries out what a connection's changes recorded, and keeps what lives outside its row in line with that row: the
/// authorization-state registry, the refresh reminder, the tenant's index, operator logs. The index hears only of
/// written changes; whatever fails is tried again on a timer until it answers.
/// </summary>
internal sealed partial class ConnectionEffects(
    IGrainBase grain,
    IGrainFactory grains,
    IPersistentState<ConnectionState> storage,
    ConnectionOptions options,
    TimeProvider time,
    ILogger logger)
{
    private readonly RefreshScheduler _scheduler = new(grain, options, time);
    private readonly ConnectionOutbox _outbox = new(grain, grains, storage,
        grain.GrainContext.ActivationServices.GetRequiredService<IOptions<WebhookOptions>>().Value, logger);
    private IGrainTimer? _retry;

    /// <summary>The status this activation counts in <see cref="ActorOAuthMetrics.ActiveConnections"/>; null while it counts none.</summary>
    private ConnectionStatus? _counted;

    /// <summary>The connection's store (set once both exist: each needs the other).</summary>
    public ConnectionStore Store { get; set; } = null!;

    private ConnectionState State => storage.State;

    private string Key => grain.GrainContext.GrainId.Key.ToString()!;

    private (string Tenant, string ConnectionId) Names => ConnectionKeys.Split(Key);

    /// <summary>On activation: the reminder is as the last write left it; an index update a crash interrupted is sent again.</summary>
    public Task Activated()
    {
        _scheduler.Assume(State.Refresh.NextAt);
        _outbox.Activated();
        Count();
        return Sync();
    }

    /// <summary>
    /// Before a change is written: the webhook events it causes go into <paramref name="state"/>'s outbox, to be
    /// written with it (and again with a kept change applied to a state read back).
    /// </summary>
    public void Publish(ConnectionState state, IReadOnlyList<ConnectionEvent> events) => _outbox.Capture(state, events);

    /// <summary>The activation goes: it no longer counts among the active connections.</summary>
    public void Deactivated()
    {
        if (_counted is { } status)
        {
            ActorOAuthMetrics.Active(status, -1);
            _counted = null;
        }
    }

    /// <summary>The outbox reminder ticked (the connection came back after its silo was lost, or a forward is overdue).</summary>
    public Task OutboxTicked()
    {
        _outbox.Ticked();
        return Sync();
    }

    /// <summary>What must exist before the change is written: a new attempt's registry entry, a new connection's index entry.</summary>
    public async Task Prepare(IReadOnlyList<ConnectionEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case AuthorizationStarted started:
                    await grains.GetGrain<IAuthorizationStateGrain>(started.StateHash).Register(Key, started.ExpiresAt);
                    break;
                case ConnectionCreated:
                    // Listed from the start: an entry whose connection is not written is skipped by listings.
                    await new TenantIndex(grains).Upsert(Names.Tenant, Connection.IndexEntry(Names.ConnectionId, State));
                    State.IndexedRevision = State.IndexRevision;
                    break;
            }
        }

        await _outbox.ArmAhead();
    }

    /// <summary>
    /// Before a kept write that moved the schedule: the reminder armed ahead, so a silo lost right after the write still
    /// has it (a tick finding the older state only re-arms). A failure does not hold the write back.
    /// </summary>
    public async Task ArmAhead(IReadOnlyList<ConnectionEvent> events)
    {
        if (State.Refresh.NextAt is { } next && events.Any(e => e is RefreshScheduled))
        {
            await BestEffort(() => _scheduler.Sync(next), "arming the refresh reminder");
        }

        await _outbox.ArmAhead();
    }

    /// <summary>What follows a change, written or kept: discarded attempts forgotten, failures logged, the reminder and index synced.</summary>
    public async Task Apply(IReadOnlyList<ConnectionEvent> events)
    {
        var (tenant, connectionId) = Names;
        foreach (var e in events)
        {
            switch (e)
            {
                case AttemptDropped dropped:
                    await BestEffort(() => grains.GetGrain<IAuthorizationStateGrain>(dropped.StateHash).Forget(), "forgetting a discarded attempt");
                    break;
                case AuthorizationFailed failed:
                    using (Scope(logger, tenant, connectionId))
                    {
                        LogAuthorizationFailed(logger, tenant, connectionId, failed.Error.Code);
                    }

                    ActorOAuthMetrics.AuthorizationFailed(State.Settings.Provider, failed.Error.Code);
                    break;
                case RefreshFailed failed:
                    using (Scope(logger, tenant, connectionId))
                    {
                        LogRefreshFailed(logger, tenant, connectionId, failed.Error.Code, failed.Terminal, failed.Failures, failed.RetryAt);
                    }

                    ActorOAuthMetrics.RefreshFailed(State.Settings.Provider, failed.Error.Code, failed.Terminal);
                    break;
                case RevocationFailed failed:
                    using (Scope(logger, tenant, connectionId))
                    {
                        LogRevocationFailed(logger, tenant, connectionId, failed.TokenTypeHint, failed.Code);
                    }

                    break;
                case LogEntryAdded { Entry.Event: "callback_rejected" } rejected:
                    using (Scope(logger, tenant, connectionId))
                    {
                        LogCallbackRejected(logger, tenant, connectionId, rejected.Entry.Message);
                    }

                    break;
                case Authorized:
                    ActorOAuthMetrics.Authorized(State.Settings.Provider);
                    break;
                case TokenRefreshed:
                    ActorOAuthMetrics.Refreshed(State.Settings.Provider);
                    break;
                case StatusChanged changed:
                    ActorOAuthMetrics.StatusChanged(changed.From, changed.To);
                    break;
            }
        }

        Count();

        if (events.Any(e => e is RefreshScheduled))
        {
            await Sync();
        }
    }

    /// <summary>A reminder tick with nothing to do but stop it, or re-arm it for what is due.</summary>
    public Task Rearm(DateTimeOffset? nextAt) => _scheduler.Sync(nextAt, force: true);

    /// <summary>The connection is deleted: its index entry and its attempt's registry entry go too (a listing skips a left-over entry).</summary>
    public async Task Deleted(string? attemptHash)
    {
        Count();
        var (tenant, connectionId) = Names;
        await BestEffort(() => new TenantIndex(grains).Remove(tenant, connectionId), "removing it from the tenant's index");
        if (attemptHash is not null)
        {
            await BestEffort(() => grains.GetGrain<IAuthorizationStateGrain>(attemptHash).Forget(), "forgetting its authorization attempt");
        }
    }

    /// <summary>Brings the reminder and the tenant's index in line with the state: after each write, on activation, and on a timer while either failed.</summary>
    public async Task Sync()
    {
        var synced = await BestEffort(() => _scheduler.Sync(State.Refresh.NextAt), "arming the refresh reminder");
        if (State.Exists && State.IndexRevision > State.IndexedRevision && !Store.Unwritten)
        {
            var revision = State.IndexRevision;
            synced &= await BestEffort(async () =>
            {
                await new TenantIndex(grains).Upsert(Names.Tenant, Connection.IndexEntry(Names.ConnectionId, State));
                State.IndexedRevision = Math.Max(State.IndexedRevision, revision);
            }, "updating the tenant's index");
        }

        if (!Store.Unwritten)
        {
            // Only what is written goes out: an event is never sent for a change storage does not hold.
            var outboxed = State.Outbox.Count;
            synced &= await _outbox.Forward(Names.Tenant, Names.ConnectionId);
            if (State.Exists && State.Outbox.Count < outboxed)
            {
                Store.DeferBookkeepingWrite();
            }

            if (!State.Exists && storage.RecordExists && State.Outbox.Count == 0)
            {
                // A deleted connection's row stayed only to hold its last events; they are handed on.
                synced &= await BestEffort(async () =>
                {
                    await storage.ClearStateAsync();
                    storage.State = new ConnectionState();
                }, "removing the deleted connection's row");
            }
        }

        if (synced)
        {
            _retry?.Dispose();
            _retry = null;
        }
        else
        {
            _retry ??= grain.RegisterGrainTimer(Sync, new GrainTimerCreationOptions(options.StateWriteRetryDelay, options.StateWriteRetryDelay) { KeepAlive = true });
        }
    }

    /// <summary>Counts this activation among the active connections under its current status (none once deleted).</summary>
    private void Count()
    {
        ConnectionStatus? status = State.Exists ? State.Status : null;
        if (status == _counted)
        {
            return;
        }

        if (_counted is { } before)
        {
            ActorOAuthMetrics.Active(before, -1);
        }

        if (status is { } after)
        {
            ActorOAuthMetrics.Active(after, 1);
        }

        _counted = status;
    }

    private async Task<bool> BestEffort(Func<Task> action, string what)
    {
        try
        {
            await action();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEffectFailed(logger, e, Key, what);
            return false;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Connection {Tenant}/{Connection}: authorization failed with {Error}")]
    private static partial void LogAuthorizationFailed(ILogger logger, string tenant, string connection, string error);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning,
        Message = "Connection {Tenant}/{Connection}: refresh failed with {Error} (terminal: {Terminal}, failure {Failures}, next try {RetryAt})")]
    private static partial void LogRefreshFailed(ILogger logger, string tenant, string connection, string error, bool terminal, int failures, DateTimeOffset? retryAt);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Connection {Tenant}/{Connection}: revoking the {Hint} failed with {Error}; deleted locally")]
    private static partial void LogRevocationFailed(ILogger logger, string tenant, string connection, string hint, string error);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Connection {Tenant}/{Connection}: callback rejected: {Reason}")]
    private static partial void LogCallbackRejected(ILogger logger, string tenant, string connection, string reason);

    private static readonly Func<ILogger, string, string, IDisposable?> Scope =
        LoggerMessage.DefineScope<string, string>("Tenant {Tenant}, connection {Connection}");

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Connection {Connection}: {What} failed; retrying")]
    private static partial void LogEffectFailed(ILogger logger, Exception exception, string connection, string what);
}
