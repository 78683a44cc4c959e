using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>Everything a tenant's webhooks grain persists: its endpoints (secrets included) and its deliveries.</summary>
[GenerateSerializer, Alias("ActorOAuth.TenantWebhooksState")]
public sealed class TenantWebhooksState
{
    [Id(0)] public Dictionary<string, WebhookEndpoint> Endpoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Oldest first: waiting ones with their body, finished ones (bounded) without.</summary>
    [Id(1)] public List<WebhookDelivery> Deliveries { get; set; } = [];

    /// <summary>The ids of the newest events accepted, oldest first (bounded): what a repeated forward is recognised by.</summary>
    [Id(2)] public List<string> RecentEventIds { get; set; } = [];
}

/// <summary>One registered endpoint. Its secrets live only here (encrypted at rest with the rest of the row).</summary>
[GenerateSerializer, Alias("ActorOAuth.WebhookEndpoint")]
public sealed class WebhookEndpoint
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Url { get; set; }

    /// <summary>The event types it gets; every type when null.</summary>
    [Id(2)] public List<string>? Events { get; set; }

    [Id(3)] public required string Secret { get; set; }

    /// <summary>The secret the last rotation replaced, signing too until <see cref="PreviousSecretExpiresAt"/>.</summary>
    [Id(4)] public string? PreviousSecret { get; set; }

    [Id(5)] public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    [Id(6)] public DateTimeOffset CreatedAt { get; init; }

    [Id(7)] public DateTimeOffset UpdatedAt { get; set; }

    public bool Wants(string type) => Events is null || Events.Contains(type);

    /// <summary>The secrets that sign at <paramref name="now"/>: the current one, and the previous one within its overlap.</summary>
    public IEnumerable<string> SigningSecrets(DateTimeOffset now)
    {
        yield return Secret;
        if (PreviousSecret is { } previous && PreviousSecretExpiresAt > now)
        {
            yield return previous;
        }
    }

    public WebhookView View(DateTimeOffset now) =>
        new(Id, Url, Events, CreatedAt, UpdatedAt, PreviousSecret is not null && PreviousSecretExpiresAt > now ? PreviousSecretExpiresAt : null);
}

/// <summary>One event's delivery to one endpoint.</summary>
[GenerateSerializer, Alias("ActorOAuth.WebhookDelivery")]
public sealed class WebhookDelivery
{
    [Id(0)] public required string EventId { get; init; }

    [Id(1)] public required string EndpointId { get; init; }

    [Id(2)] public required string Type { get; init; }

    /// <summary>When the event happened.</summary>
    [Id(3)] public required DateTimeOffset At { get; init; }

    [Id(4)] public required string ConnectionId { get; init; }

    /// <summary>The body, sent unchanged on every attempt; dropped once the delivery is finished.</summary>
    [Id(5)] public string? Body { get; set; }

    [Id(6)] public WebhookDeliveryStatus Status { get; set; }

    [Id(7)] public int Attempts { get; set; }

    [Id(8)] public DateTimeOffset? FirstAttemptAt { get; set; }

    [Id(9)] public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>When the next attempt is due; null once finished.</summary>
    [Id(10)] public DateTimeOffset? NextAttemptAt { get; set; }

    [Id(11)] public int? LastStatusCode { get; set; }

    /// <summary>Why the last attempt failed, in a word (<c>http_500</c>, <c>timeout</c>, <c>address_refused</c> …); never a secret.</summary>
    [Id(12)] public string? LastError { get; set; }

    public bool Finished => Status != WebhookDeliveryStatus.Pending;

    public WebhookDeliveryView View() => new(EventId, Type, At, Attempts, Status, LastStatusCode, ConnectionId, LastAttemptAt, NextAttemptAt, LastError);
}
