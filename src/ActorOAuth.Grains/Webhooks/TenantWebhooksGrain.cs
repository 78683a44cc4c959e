using System.Collections.Concurrent;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Security;
using ActorOAuth.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>
/// A tenant's webhook endpoints and the durable queue of their deliveries. An accepted event is in storage before
/// <see cref="Accept"/> answers; each (event, endpoint) pair is then attempted at once and, while it fails, on the
/// schedule (<see cref="DeliverySchedule"/>) until it is delivered or given up. Attempts run off the grain's turn (an
/// HTTP call never holds up the connections handing in events); their outcomes come back through
/// <see cref="IWebhookDeliveryTurn.Completed"/>. A grain timer fires each attempt on time; a reminder (every minute while
/// anything waits) brings the grain back after a silo is lost, so nothing waiting is left behind.
/// </summary>
[GrainType("tenant-webhooks")]
public sealed partial class TenantWebhooksGrain(
    [PersistentState("webhooks", GrainStorage.Name)] IPersistentState<TenantWebhooksState> storage,
    WebhookSender sender,
    ProviderUrlPolicy urls,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<TenantWebhooksGrain> logger) : Grain, ITenantWebhooksGrain, IWebhookDeliveryTurn, IRemindable
{
    public const string ReminderName = "webhook-delivery";

    /// <summary>How many accepted event ids are remembered to recognise a repeated forward.</summary>
    public const int RememberedEvents = 1000;

    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly WebhookOptions _options = options.Value;
    private readonly DeliverySchedule _schedule = new(options.Value);
    private readonly HashSet<string> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<(string EventId, string EndpointId), WebhookDelivery> _byKey = [];
    private readonly HashSet<WebhookDelivery> _inFlight = [];
    private readonly ConcurrentQueue<AttemptOutcome> _outcomes = new();
    private IWebhookDeliveryTurn _self = null!;
    private int _reportPending;
    private IGrainTimer? _timer;
    private DateTimeOffset? _timerAt;
    private bool _reminderArmed;

    /// <summary>Memory holds changes the last write could not store (kept, written with the next one).</summary>
    private bool _unwritten;

    private TenantWebhooksState State => storage.State;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _self = this.AsReference<IWebhookDeliveryTurn>();
        _recent.UnionWith(State.RecentEventIds);
        foreach (var delivery in State.Deliveries)
        {
            _byKey[(delivery.EventId, delivery.EndpointId)] = delivery;
        }

        if (State.Deliveries.Any(d => !d.Finished))
        {
            await ArmReminder();
            Dispatch();
            Schedule();
        }
    }

    public async Task<WebhookSaved> Put(string id, string url, IReadOnlyList<string>? events)
    {
        if (urls.FormProblem(url) is { } problem)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Invalid, ProblemCodes.ValidationFailed, "url: " + problem);
        }

        if (events?.FirstOrDefault(e => !WebhookEventTypes.All.Contains(e)) is { } unknown)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Invalid, ProblemCodes.ValidationFailed, $"events: '{unknown}' is not an event type.");
        }

        var now = time.GetUtcNow();
        var existing = State.Endpoints.GetValueOrDefault(id);
        if (existing is null && State.Endpoints.Count >= _options.MaxEndpoints)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Conflict, ProblemCodes.WebhookLimitReached,
                $"The tenant already has {_options.MaxEndpoints} webhooks, the most allowed; delete one first.");
        }

        var list = events?.Distinct(StringComparer.Ordinal).ToList();
        if (existing is not null)
        {
            var (oldUrl, oldEvents, oldUpdated) = (existing.Url, existing.Events, existing.UpdatedAt);
            existing.Url = url;
            existing.Events = list;
            existing.UpdatedAt = now;
            await WriteCommand(() => (existing.Url, existing.Events, existing.UpdatedAt) = (oldUrl, oldEvents, oldUpdated));
            return new WebhookSaved(existing.View(now), Created: false, Secret: null);
        }

        var endpoint = new WebhookEndpoint { Id = id, Url = url, Events = list, Secret = WebhookSignature.NewSecret(), CreatedAt = now, UpdatedAt = now };
        State.Endpoints[id] = endpoint;
        await WriteCommand(() => State.Endpoints.Remove(id));
        return new WebhookSaved(endpoint.View(now), Created: true, endpoint.Secret);
    }

    public Task<WebhookView?> Get(string id) =>
        Task.FromResult(State.Endpoints.TryGetValue(id, out var endpoint) ? endpoint.View(time.GetUtcNow()) : null);

    public Task<IReadOnlyList<WebhookView>> List()
    {
        var now = time.GetUtcNow();
        IReadOnlyList<WebhookView> views = [.. State.Endpoints.Values.OrderBy(e => e.Id, StringComparer.Ordinal).Select(e => e.View(now))];
        return Task.FromResult(views);
    }

    public async Task<bool> Delete(string id)
    {
        if (!State.Endpoints.Remove(id, out var endpoint))
        {
            return false;
        }

        var removed = State.Deliveries.Where(d => d.EndpointId == id).ToList();
        State.Deliveries.RemoveAll(d => d.EndpointId == id);
        await WriteCommand(() =>
        {
            State.Endpoints[id] = endpoint;
            State.Deliveries.AddRange(removed);
        });
        foreach (var delivery in removed)
        {
            _byKey.Remove((delivery.EventId, id));
            _inFlight.Remove(delivery);
        }

        Schedule();
        return true;
    }

    public async Task<WebhookSaved?> RotateSecret(string id)
    {
        if (!State.Endpoints.TryGetValue(id, out var endpoint))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var before = (endpoint.Secret, endpoint.PreviousSecret, endpoint.PreviousSecretExpiresAt, endpoint.UpdatedAt);
        endpoint.PreviousSecret = endpoint.Secret;
        endpoint.PreviousSecretExpiresAt = now + _options.SecretOverlap;
        endpoint.Secret = WebhookSignature.NewSecret();
        endpoint.UpdatedAt = now;
        await WriteCommand(() => (endpoint.Secret, endpoint.PreviousSecret, endpoint.PreviousSecretExpiresAt, endpoint.UpdatedAt) = before);
        return new WebhookSaved(endpoint.View(now), Created: false, endpoint.Secret);
    }

    public Task<IReadOnlyList<WebhookDeliveryView>?> Deliveries(string id, int limit)
    {
        if (!State.Endpoints.ContainsKey(id))
        {
            return Task.FromResult<IReadOnlyList<WebhookDeliveryView>?>(null);
        }

        IReadOnlyList<WebhookDeliveryView> views = [.. State.Deliveries.AsEnumerable().Reverse().Where(d => d.EndpointId == id).Take(limit).Select(d => d.View())];
        return Task.FromResult<IReadOnlyList<WebhookDeliveryView>?>(views);
    }

    public async Task Accept(string connectionId, IReadOnlyList<OutboxEvent> events)
    {
        var now = time.GetUtcNow();
        var added = new List<WebhookDelivery>();
        var remembered = new List<string>();
        foreach (var e in events)
        {
            // An event no endpoint wants is neither stored nor remembered: forwarded again, it again finds none.
            if (_recent.Contains(e.Id) || !State.Endpoints.Values.Any(endpoint => endpoint.Wants(e.Type)))
            {
                continue;
            }

            _recent.Add(e.Id);
            remembered.Add(e.Id);
            State.RecentEventIds.Add(e.Id);
            string? body = null;
            foreach (var endpoint in State.Endpoints.Values.Where(endpoint => endpoint.Wants(e.Type)))
            {
                body ??= WebhookPayload.Write(Tenant, connectionId, e);
                var delivery = new WebhookDelivery
                {
                    EventId = e.Id, EndpointId = endpoint.Id, Type = e.Type, At = e.At, ConnectionId = connectionId, Body = body, NextAttemptAt = now,
                };
                State.Deliveries.Add(delivery);
                _byKey[(e.Id, endpoint.Id)] = delivery;
                added.Add(delivery);
            }
        }

        if (remembered.Count == 0 && !_unwritten)
        {
            return;
        }

        Prune();
        await WriteCommand(() =>
        {
            foreach (var delivery in added)
            {
                State.Deliveries.Remove(delivery);
                _byKey.Remove((delivery.EventId, delivery.EndpointId));
            }

            foreach (var id in remembered)
            {
                _recent.Remove(id);
                State.RecentEventIds.Remove(id);
            }
        });

        if (added.Count > 0)
        {
            // Armed before the events are acknowledged: a silo lost from here on still has a reminder to bring them back.
            await ArmReminder();
            Dispatch();
            Schedule();
        }
    }

    public async Task Completed()
    {
        Volatile.Write(ref _reportPending, 0);
        var changed = false;
        while (_outcomes.TryDequeue(out var outcome))
        {
            if (_byKey.TryGetValue((outcome.EventId, outcome.EndpointId), out var delivery) && _inFlight.Remove(delivery) && !delivery.Finished)
            {
                Record(delivery, outcome);
                changed = true;
            }
        }

        if (changed)
        {
            Prune();
            await WriteKept();
        }

        Dispatch();
        Schedule();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        if (_unwritten)
        {
            await WriteKept();
        }

        Dispatch();
        if (_inFlight.Count == 0 && !State.Deliveries.Any(d => !d.Finished))
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderArmed = false;
        }

        Schedule();
    }

    /// <summary>Starts every due attempt that is not in flight, oldest first, up to the tenant's concurrency.</summary>
    private void Dispatch()
    {
        var now = time.GetUtcNow();
        foreach (var delivery in State.Deliveries)
        {
            if (_inFlight.Count >= _options.MaxConcurrentAttempts)
            {
                return;
            }

            if (delivery.Finished || delivery.NextAttemptAt > now || _inFlight.Contains(delivery))
            {
                continue;
            }

            if (!State.Endpoints.TryGetValue(delivery.EndpointId, out var endpoint) || delivery.Body is null)
            {
                continue;
            }

            var timestamp = now.ToUnixTimeSeconds();
            var request = new WebhookRequest(endpoint.Url, delivery.EventId, timestamp,
                WebhookSignature.Header(endpoint.SigningSecrets(now), delivery.EventId, timestamp, delivery.Body), delivery.Body);
            _inFlight.Add(delivery);
            var (eventId, endpointId) = (delivery.EventId, delivery.EndpointId);
            // Off the grain's turn: the call may take up to the attempt limit; its outcome comes back as a turn of its own.
            _ = Task.Run(() => Attempt(request, eventId, endpointId, now));
        }
    }

    private async Task Attempt(WebhookRequest request, string eventId, string endpointId, DateTimeOffset at)
    {
        WebhookAttemptResult result;
        try
        {
            result = await sender.Send(request);
        }
        catch (Exception e)
        {
            result = new WebhookAttemptResult(null, "error_" + e.GetType().Name, null);
        }

        Report(new AttemptOutcome(eventId, endpointId, at, result));
    }

    private void Report(AttemptOutcome outcome)
    {
        _outcomes.Enqueue(outcome);
        if (Interlocked.Exchange(ref _reportPending, 1) == 0)
        {
            _ = _self.Completed();
        }
    }

    private void Record(WebhookDelivery delivery, AttemptOutcome outcome)
    {
        var result = outcome.Result;
        delivery.Attempts++;
        var first = delivery.FirstAttemptAt ??= outcome.At;
        delivery.LastAttemptAt = outcome.At;
        delivery.LastStatusCode = result.StatusCode;
        delivery.LastError = result.Error;
        if (result.Delivered)
        {
            Finish(delivery, WebhookDeliveryStatus.Delivered);
            ActorOAuthMetrics.Delivery("delivered");
            ActorOAuthMetrics.WebhookDeliveryLag.Record(Math.Max(0, (time.GetUtcNow() - delivery.At).TotalSeconds));
            return;
        }

        if (_schedule.After(delivery.Attempts, first, outcome.At, result.RetryAfter) is { } next)
        {
            delivery.NextAttemptAt = next;
            ActorOAuthMetrics.Delivery("retrying");
            LogAttemptFailed(logger, Tenant, delivery.EndpointId, delivery.EventId, delivery.Attempts, result.Error ?? "error", next);
            return;
        }

        Finish(delivery, WebhookDeliveryStatus.Failed);
        ActorOAuthMetrics.Delivery("failed");
        LogGivenUp(logger, Tenant, delivery.EndpointId, delivery.EventId, delivery.Type, delivery.Attempts, result.Error ?? "error");
    }

    private static void Finish(WebhookDelivery delivery, WebhookDeliveryStatus status)
    {
        delivery.Status = status;
        delivery.Body = null;
        delivery.NextAttemptAt = null;
    }

    /// <summary>Keeps the row bounded: the oldest waiting deliveries past the limit are given up, the oldest finished ones past theirs pruned.</summary>
    private void Prune()
    {
        var pending = State.Deliveries.Count(d => !d.Finished);
        var givenUp = 0;
        for (var i = 0; pending > _options.MaxPendingDeliveries && i < State.Deliveries.Count; i++)
        {
            var delivery = State.Deliveries[i];
            if (!delivery.Finished && !_inFlight.Contains(delivery))
            {
                delivery.LastError = "backlog_full";
                Finish(delivery, WebhookDeliveryStatus.Failed);
                ActorOAuthMetrics.Delivery("failed");
                pending--;
                givenUp++;
            }
        }

        if (givenUp > 0)
        {
            LogBacklogFull(logger, Tenant, givenUp, _options.MaxPendingDeliveries);
        }

        var excess = State.Deliveries.Count(d => d.Finished) - _options.MaxKeptDeliveries;
        if (excess > 0)
        {
            State.Deliveries.RemoveAll(d =>
            {
                if (excess <= 0 || !d.Finished)
                {
                    return false;
                }

                excess--;
                _byKey.Remove((d.EventId, d.EndpointId));
                return true;
            });
        }

        var forget = State.RecentEventIds.Count - RememberedEvents;
        if (forget > 0)
        {
            _recent.ExceptWith(State.RecentEventIds.Take(forget));
            State.RecentEventIds.RemoveRange(0, forget);
        }
    }

    /// <summary>Fires at the next attempt due (a one-shot timer, re-armed when that time moves).</summary>
    private void Schedule()
    {
        DateTimeOffset? next = null;
        foreach (var delivery in State.Deliveries)
        {
            if (!delivery.Finished && !_inFlight.Contains(delivery) && (next is null || delivery.NextAttemptAt < next))
            {
                next = delivery.NextAttemptAt;
            }
        }

        if (next == _timerAt && (_timer is not null || next is null))
        {
            return;
        }

        _timer?.Dispose();
        _timer = null;
        _timerAt = next;
        if (next is { } at)
        {
            var due = at - time.GetUtcNow();
            _timer = this.RegisterGrainTimer(OnTimer, new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
    }

    private Task OnTimer()
    {
        _timer?.Dispose();
        _timer = null;
        _timerAt = null;
        Dispatch();
        Schedule();
        return Task.CompletedTask;
    }

    private async Task ArmReminder()
    {
        if (_reminderArmed)
        {
            return;
        }

        await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        _reminderArmed = true;
    }

    /// <summary>A change a caller waits for: stored, or undone (<paramref name="undo"/>) and answered with a 503.</summary>
    private async Task WriteCommand(Action undo)
    {
        try
        {
            await storage.WriteStateAsync();
            _unwritten = false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            undo();
            LogWriteFailed(logger, e, Tenant);
            if (e is InconsistentStateException)
            {
                // Another activation wrote: this one's memory is stale. The next call reads the other write.
                DeactivateOnIdle();
            }

            throw new ConnectionProblemException(ConnectionProblemKind.Unavailable, ProblemCodes.StorageUnavailable,
                "The change could not be stored and was not made; retry later. (" + e.GetType().Name + ")", TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Attempt outcomes: stored, or kept in memory and written with the next change (a lost outcome only means one more attempt).</summary>
    private async Task WriteKept()
    {
        try
        {
            await storage.WriteStateAsync();
            _unwritten = false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unwritten = true;
            LogWriteFailed(logger, e, Tenant);
            if (e is InconsistentStateException)
            {
                DeactivateOnIdle();
            }
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Webhooks of {Tenant}: delivery of {EventId} to {Webhook} failed with {Error} (attempt {Attempts}); next attempt at {NextAttemptAt}")]
    private static partial void LogAttemptFailed(ILogger logger, string tenant, string webhook, string eventId, int attempts, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning,
        Message = "Webhooks of {Tenant}: gave up delivering {EventId} ({Type}) to {Webhook} after {Attempts} attempts; last error {Error}")]
    private static partial void LogGivenUp(ILogger logger, string tenant, string webhook, string eventId, string type, int attempts, string error);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning,
        Message = "Webhooks of {Tenant}: {Count} waiting deliveries given up, more than {Limit} were waiting")]
    private static partial void LogBacklogFull(ILogger logger, string tenant, int count, int limit);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Webhooks of {Tenant}: writing state failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string tenant);
}

/// <summary>The webhooks grain's calls to itself: not part of the contract clients hold.</summary>
[Alias("ActorOAuth.IWebhookDeliveryTurn")]
public interface IWebhookDeliveryTurn : IGrainWithStringKey
{
    /// <summary>Attempts finished off the grain's turn: their outcomes are recorded, in turn.</summary>
    [Alias("Completed"), OneWay]
    Task Completed();
}

/// <summary>How one attempt of one delivery went, and when it started.</summary>
internal sealed record AttemptOutcome(string EventId, string EndpointId, DateTimeOffset At, WebhookAttemptResult Result);
