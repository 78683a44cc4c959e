using System.Text.Json.Serialization;

namespace ActorOAuth.Client;

/// <summary>The event types a webhook can get (<see cref="WebhookSettings.Events"/>), each a <c>type</c> of a delivery.</summary>
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

    /// <summary>The status changed to errored, whatever the cause (for example a reported error).</summary>
    public const string Errored = "connection.errored";

    /// <summary>The connection was disconnected: tokens deleted (and revoked where possible).</summary>
    public const string Disconnected = "connection.disconnected";

    /// <summary>The connection was deleted.</summary>
    public const string Deleted = "connection.deleted";
}

/// <summary>Where a webhook's deliveries go and which event types it gets: the body of <c>PUT /api/webhooks/{id}</c>.</summary>
public sealed record WebhookSettings
{
    /// <summary>
    /// The absolute <c>https</c> URL deliveries are POSTed to (the provider URL rules apply: no private addresses;
    /// <c>http</c> on loopback only in Development). Required.
    /// </summary>
    public required string Url { get; init; }

    /// <summary>The event types it gets (see <see cref="WebhookEventTypes"/>); every type when null.</summary>
    public IReadOnlyList<string>? Events { get; init; }
}

/// <summary>A webhook as reads show it: never its secret.</summary>
public sealed record WebhookView
{
    /// <summary>The webhook's id, unique within the tenant.</summary>
    public required string Id { get; init; }

    /// <summary>Where deliveries are POSTed.</summary>
    public required string Url { get; init; }

    /// <summary>The event types it gets; every type when null.</summary>
    public IReadOnlyList<string>? Events { get; init; }

    /// <summary>When the webhook was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the webhook last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Until when the secret replaced by the last rotation still signs deliveries too; null when none does.</summary>
    public DateTimeOffset? PreviousSecretExpiresAt { get; init; }
}

/// <summary>
/// The result of a <c>PUT</c>: the webhook, whether this call created it (201) or updated it (200), and its signing
/// secret (<c>whsec_…</c>) when it was created: the only time it is shown. Keep the secret; never log it.
/// </summary>
public sealed record SavedWebhook(WebhookView Webhook, bool Created, string? Secret)
{
    /// <summary>Leaves the secret out, so the record can be logged or shown in a debugger safely.</summary>
    public override string ToString() => $"SavedWebhook {{ Webhook = {Webhook}, Created = {Created}, HasSecret = {Secret is not null} }}";
}

/// <summary>
/// The result of rotating a webhook's secret: the webhook and its new signing secret (<c>whsec_…</c>), shown only here.
/// The old secret keeps signing too until <see cref="WebhookView.PreviousSecretExpiresAt"/> (24 hours).
/// </summary>
public sealed record RotatedWebhookSecret(WebhookView Webhook, string Secret)
{
    /// <summary>Leaves the secret out, so the record can be logged or shown in a debugger safely.</summary>
    public override string ToString() => $"RotatedWebhookSecret {{ Webhook = {Webhook} }}";
}

/// <summary>How a delivery stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WebhookDeliveryStatus>))]
public enum WebhookDeliveryStatus
{
    /// <summary>Not delivered yet; attempts continue on the retry schedule.</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>A 2xx answered it.</summary>
    [JsonStringEnumMemberName("delivered")] Delivered,

    /// <summary>Given up: every attempt within the retry window failed.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>One event's delivery to one webhook, as the delivery log shows it. Never carries a token or a secret.</summary>
public sealed record WebhookDelivery
{
    /// <summary>The event's id (<c>evt_…</c>): the delivery's <c>webhook-id</c> header, the same across retries.</summary>
    public required string EventId { get; init; }

    /// <summary>The event type (see <see cref="WebhookEventTypes"/>).</summary>
    public required string Type { get; init; }

    /// <summary>When the event happened.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>How many attempts were made so far.</summary>
    public int Attempts { get; init; }

    /// <summary>Delivered, pending or failed.</summary>
    public WebhookDeliveryStatus Status { get; init; }

    /// <summary>The HTTP status the receiver answered the last attempt with; null when it answered none.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>The connection the event is about.</summary>
    public string? ConnectionId { get; init; }

    /// <summary>When the last attempt was made.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>When the next attempt is due, while pending.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>What went wrong with the last attempt, in a sentence.</summary>
    public string? LastError { get; init; }
}
