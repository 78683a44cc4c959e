namespace ActorOAuth.Abstractions;

/// <summary>
/// A tenant's webhooks, keyed by tenant: where its events go (endpoints with their signing secrets), and the durable
/// queue of deliveries to them. Connections hand it their events (<see cref="Accept"/>), which it stores before it
/// answers; it then delivers each at least once to every endpoint that wants it, retrying on a schedule.
/// </summary>
[Alias("ActorOAuth.ITenantWebhooksGrain")]
public interface ITenantWebhooksGrain : IGrainWithStringKey
{
    /// <summary>Creates the endpoint (with a new secret, returned once) or changes its URL and events (secret kept, not returned).</summary>
    /// <exception cref="ConnectionProblemException">Conflict: the tenant already has the most endpoints allowed.</exception>
    [Alias("Put")]
    Task<WebhookSaved> Put(string id, string url, IReadOnlyList<string>? events);

    /// <summary>The endpoint without its secret, or null when there is none with this id.</summary>
    [Alias("Get")]
    Task<WebhookView?> Get(string id);

    /// <summary>Every endpoint of the tenant, ordered by id, without secrets.</summary>
    [Alias("List")]
    Task<IReadOnlyList<WebhookView>> List();

    /// <summary>Removes the endpoint and its deliveries; false when there was none.</summary>
    [Alias("Delete")]
    Task<bool> Delete(string id);

    /// <summary>A new secret (returned once); the one it replaces still signs, next to it, for the overlap period.</summary>
    [Alias("RotateSecret")]
    Task<WebhookSaved?> RotateSecret(string id);

    /// <summary>The endpoint's newest <paramref name="limit"/> deliveries, newest first; null when there is no such endpoint.</summary>
    [Alias("Deliveries")]
    Task<IReadOnlyList<WebhookDeliveryView>?> Deliveries(string id, int limit);

    /// <summary>
    /// Stores <paramref name="connectionId"/>'s events and answers once they are in storage; an event id it already
    /// holds is ignored, so forwarding the same events again is harmless.
    /// </summary>
    [Alias("Accept")]
    Task Accept(string connectionId, IReadOnlyList<OutboxEvent> events);
}

/// <summary>
/// One event a connection publishes, as its outbox keeps it: written with the change that caused it, in the
/// connection's row, until the tenant's webhooks grain has stored it. Never carries a token, code or secret.
/// </summary>
/// <param name="Id">The event's id (<c>evt_…</c>): the delivery's <c>webhook-id</c>, unchanged across retries.</param>
/// <param name="Type">One of <see cref="WebhookEventTypes"/>.</param>
/// <param name="Status">The connection's status once the change was made.</param>
[GenerateSerializer, Immutable, Alias("ActorOAuth.OutboxEvent")]
public sealed record OutboxEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] ConnectionStatus Status,
    [property: Id(4)] string? Provider,
    [property: Id(5)] string? Integration,
    [property: Id(6)] IReadOnlyDictionary<string, string>? Metadata,
    [property: Id(7)] ConnectionError? Error);

/// <summary>The event types of the contract (<c>api.md</c>, "Events: webhooks").</summary>
public static class WebhookEventTypes
{
    /// <summary>A code exchange (a first connect or a reconnect) stored tokens.</summary>
    public const string Authorized = "connection.authorized";

    /// <summary>The authorization failed: denied, a provider error, or a code exchange refused.</summary>
    public const string AuthorizationFailed = "connection.authorization_failed";

    /// <summary>A refresh failed terminally, or failed while the access token had expired.</summary>
    public const string RefreshFailed = "connection.refresh_failed";

    /// <summary>An errored connection works again.</summary>
    public const string Recovered = "connection.recovered";

    /// <summary>The status changed to errored, whatever the cause.</summary>
    public const string Errored = "connection.errored";

    /// <summary>The connection was disconnected: tokens deleted (and revoked where possible).</summary>
    public const string Disconnected = "connection.disconnected";

    /// <summary>The connection was deleted.</summary>
    public const string Deleted = "connection.deleted";

    public static readonly IReadOnlyList<string> All = [Authorized, AuthorizationFailed, RefreshFailed, Recovered, Errored, Disconnected, Deleted];
}

/// <summary>An endpoint as reads show it: never its secret.</summary>
/// <param name="Events">The event types it gets; every type when null.</param>
/// <param name="PreviousSecretExpiresAt">Until when the secret replaced by the last rotation still signs too; null when none does.</param>
[GenerateSerializer, Immutable, Alias("ActorOAuth.WebhookView")]
public sealed record WebhookView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string>? Events,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>What saving or rotating an endpoint answers: its view, whether it was created, and the secret when it is new.</summary>
/// <param name="Secret">The signing secret (<c>whsec_…</c>), only when it was just created or rotated.</param>
[GenerateSerializer, Immutable, Alias("ActorOAuth.WebhookSaved")]
public sealed record WebhookSaved(
    [property: Id(0)] WebhookView Webhook,
    [property: Id(1)] bool Created,
    [property: Id(2)] string? Secret);

/// <summary>How a delivery stands.</summary>
[GenerateSerializer, Alias("ActorOAuth.WebhookDeliveryStatus")]
public enum WebhookDeliveryStatus
{
    /// <summary>Not delivered yet; attempts continue on the schedule.</summary>
    Pending = 0,

    /// <summary>A 2xx answered it.</summary>
    Delivered = 1,

    /// <summary>Given up: every attempt within the retry window failed (or the endpoint's backlog overflowed).</summary>
    Failed = 2,
}

/// <summary>One event's delivery to one endpoint, as the delivery log shows it.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.WebhookDeliveryView")]
public sealed record WebhookDeliveryView(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] int Attempts,
    [property: Id(4)] WebhookDeliveryStatus Status,
    [property: Id(5)] int? LastStatusCode,
    [property: Id(6)] string ConnectionId,
    [property: Id(7)] DateTimeOffset? LastAttemptAt,
    [property: Id(8)] DateTimeOffset? NextAttemptAt,
    [property: Id(9)] string? LastError);
