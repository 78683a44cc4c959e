using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace ActorOAuth.Grains.Webhooks;

// The delivery queue: accepting events, attempts off the turn, their outcomes, the schedule, the reminder.
public sealed partial class TenantWebhooksGrain
{
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

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Webhooks of {Tenant}: delivery of {EventId} to {Webhook} failed with {Error} (attempt {Attempts}); next attempt at {NextAttemptAt}")]
    private static partial void LogAttemptFailed(ILogger logger, string tenant, string webhook, string eventId, int attempts, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning,
        Message = "Webhooks of {Tenant}: gave up delivering {EventId} ({Type}) to {Webhook} after {Attempts} attempts; last error {Error}")]
    private static partial void LogGivenUp(ILogger logger, string tenant, string webhook, string eventId, string type, int attempts, string error);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning,
        Message = "Webhooks of {Tenant}: {Count} waiting deliveries given up, more than {Limit} were waiting")]
    private static partial void LogBacklogFull(ILogger logger, string tenant, int count, int limit);
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
