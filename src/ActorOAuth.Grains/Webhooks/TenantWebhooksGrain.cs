using System.Collections.Concurrent;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Webhooks of {Tenant}: writing state failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string tenant);
}
