using System.Buffers.Text;
using System.Security.Cryptography;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Webhooks;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// What a connection tells its vendor. The events a change recorded are mapped to webhook events
/// (<see cref="Capture"/>) and put in the connection's outbox before the change is written, so the event and the change
/// are stored together: never one without the other. After the write the outbox goes to the tenant's webhooks grain,
/// which stores it before it answers; only then do the entries leave the outbox (carried by a later write: a repeated
/// forward after a crash is recognised there by event id). A reminder, armed before such a write (or, where reminders
/// do not outlive the silo, once a forward failed), brings a connection whose silo was lost back to forward what is
/// left, even one that has nothing else scheduled.
/// </summary>
internal sealed partial class ConnectionOutbox(
    IGrainBase grain,
    IGrainFactory grains,
    IPersistentState<ConnectionState> storage,
    WebhookOptions options,
    ILogger logger)
{
    public const string ReminderName = "outbox";

    /// <summary>How long a forward may take before it is treated as failed (and tried again): the tenant's grain may be moving.</summary>
    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Whether the outbox reminder is registered; null until known (after an activation).</summary>
    private bool? _armed;

    private ConnectionState State => storage.State;

    private string Key => grain.GrainContext.GrainId.Key.ToString()!;

    /// <summary>On activation: an empty outbox has no reminder (a stale one that ticks anyway is removed then).</summary>
    public void Activated() => _armed = State.Outbox.Count > 0 ? null : false;

    /// <summary>The outbox reminder ticked: it exists, whatever was assumed.</summary>
    public void Ticked() => _armed = null;

    /// <summary>Maps <paramref name="events"/> to webhook events and appends them to <paramref name="state"/>'s outbox (bounded: the oldest go first).</summary>
    public void Capture(ConnectionState state, IReadOnlyList<ConnectionEvent> events)
    {
        foreach (var (type, at, error) in Map(state, events))
        {
            // Integration: connections carry none yet (ConnectionSettings has no integration field).
            state.Outbox.Add(new OutboxEvent(NewId(), type, at, state.Status, state.Settings.Provider, Integration: null, state.Settings.Metadata, error));
        }

        var excess = state.Outbox.Count - options.MaxOutboxEvents;
        if (excess > 0)
        {
            LogOutboxOverflow(logger, Key, excess, options.MaxOutboxEvents);
            state.Outbox.RemoveRange(0, excess);
        }
    }

    /// <summary>
    /// The webhook events of one change, from what it recorded and the state it left: <c>errored</c> for a change to
    /// errored (with the error that caused it), <c>refresh_failed</c> for a terminal failure or the first failure after
    /// the access token expired (once per token), and one for each authorization, recovery, disconnect and deletion.
    /// </summary>
    public static IEnumerable<(string Type, DateTimeOffset At, ConnectionError? Error)> Map(ConnectionState state, IReadOnlyList<ConnectionEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case Authorized:
                    yield return (WebhookEventTypes.Authorized, e.At, null);
                    break;
                case AuthorizationFailed failed:
                    yield return (WebhookEventTypes.AuthorizationFailed, e.At, failed.Error);
                    break;
                case RefreshFailed { Terminal: true } failed:
                    yield return (WebhookEventTypes.RefreshFailed, e.At, failed.Error);
                    break;
                case RefreshFailed failed when state.Tokens?.ExpiresAt is { } expiry && expiry <= failed.At && state.RefreshFailureAnnouncedFor != expiry:
                    state.RefreshFailureAnnouncedFor = expiry;
                    yield return (WebhookEventTypes.RefreshFailed, e.At, failed.Error);
                    break;
                case Recovered:
                    yield return (WebhookEventTypes.Recovered, e.At, null);
                    break;
                case StatusChanged { To: ConnectionStatus.Errored }:
                    yield return (WebhookEventTypes.Errored, e.At, state.LastError);
                    break;
                case ConnectionDisconnected:
                    yield return (WebhookEventTypes.Disconnected, e.At, null);
                    break;
                case ConnectionDeleted:
                    yield return (WebhookEventTypes.Deleted, e.At, null);
                    break;
            }
        }
    }

    /// <summary>
    /// Before a write that carries outbox entries: the reminder that brings the connection back to forward them if its
    /// silo is lost after the write. Best effort: a failure does not hold the write back (the write would likely fail too).
    /// </summary>
    public async Task ArmAhead()
    {
        if (options.OutboxReminderAhead)
        {
            await Arm();
        }
    }

    private async Task Arm()
    {
        if (State.Outbox.Count == 0 || _armed == true)
        {
            return;
        }

        try
        {
            await grain.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _armed = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogForwardFailed(logger, e, Key, "arming the outbox reminder");
        }
    }

    /// <summary>
    /// Hands the written outbox to the tenant's webhooks grain; the entries it stored leave the outbox in memory, to be
    /// written with the next write. The reminder goes once nothing is left.
    /// </summary>
    /// <returns>Whether nothing is left to forward.</returns>
    public async Task<bool> Forward(string tenant, string connectionId)
    {
        if (State.Outbox.Count > 0)
        {
            var batch = State.Outbox.ToList();
            try
            {
                await grains.GetGrain<ITenantWebhooksGrain>(tenant).Accept(connectionId, batch).WaitAsync(ForwardTimeout);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogForwardFailed(logger, e, Key, "handing its events to the tenant's webhooks");
                await Arm(); // not armed ahead: from now on the reminder brings the events back
                return false;
            }

            var forwarded = batch.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            State.Outbox.RemoveAll(e => forwarded.Contains(e.Id));
            if (State.Outbox.Count > 0)
            {
                return false;
            }

            State.Outbox.TrimExcess(); // an empty outbox holds no array (a connection keeps it between events)
        }

        if (_armed != false)
        {
            try
            {
                if (await grain.GetReminder(ReminderName) is { } reminder)
                {
                    await grain.UnregisterReminder(reminder);
                }

                _armed = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogForwardFailed(logger, e, Key, "removing the outbox reminder");
            }
        }

        return true;
    }

    private static string NewId() => "evt_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error,
        Message = "Connection {Connection}: {Count} webhook events dropped from its outbox, which holds at most {Limit} while the tenant's webhooks do not take them")]
    private static partial void LogOutboxOverflow(ILogger logger, string connection, int count, int limit);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Connection {Connection}: {What} failed; retrying")]
    private static partial void LogForwardFailed(ILogger logger, Exception exception, string connection, string what);
}
