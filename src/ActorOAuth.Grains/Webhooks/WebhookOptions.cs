using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>
/// How webhooks are delivered and how much a tenant may keep. Section <c>ActorOAuth:Webhooks</c>; checked at start
/// by data annotations and <see cref="WebhookOptionsValidator"/>.
/// </summary>
public sealed class WebhookOptions
{
    public const string Section = "ActorOAuth:Webhooks";

    /// <summary>
    /// The waits after the 1st, 2nd, … failed attempt; the last one repeats until <see cref="RetryWindow"/> has passed.
    /// Default 5 s, 30 s, 2 min, 10 min, 30 min, then hourly. A receiver's <c>Retry-After</c> makes a wait longer, never shorter.
    /// </summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>How long a delivery is retried after its first attempt before it is given up (<c>failed</c>). Default 24 hours.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The time limit of one attempt, connecting included. Default 10 seconds.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest <c>Retry-After</c> honoured; a longer one waits this long. Default 1 hour.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether a write that carries webhook events arms the connection's outbox reminder first, so the events are handed
    /// on even when the silo is lost right after the write. Default true. The embedded default sets it false: its
    /// reminders live in its own memory and go with it, so arming ahead would only cost two reminder writes per event.
    /// Either way a forward that fails arms the reminder (the events come back even if the connection deactivates).
    /// </summary>
    public bool OutboxReminderAhead { get; set; } = true;

    /// <summary>How long a rotated-out secret still signs, next to the new one. Default 24 hours.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The most endpoints one tenant may register. Default 10.</summary>
    [Range(1, 100)]
    public int MaxEndpoints { get; set; } = 10;

    /// <summary>Finished (delivered or failed) deliveries kept per tenant for the delivery log; the oldest are pruned first. Default 1000.</summary>
    [Range(10, 100_000)]
    public int MaxKeptDeliveries { get; set; } = 1000;

    /// <summary>
    /// Deliveries waiting per tenant; past it the oldest waiting one is given up (<c>failed</c>, <c>backlog_full</c>) so
    /// a tenant's row stays bounded while its receiver is down. Default 10,000.
    /// </summary>
    [Range(10, 1_000_000)]
    public int MaxPendingDeliveries { get; set; } = 10_000;

    /// <summary>Attempts in flight at once per tenant. Default 16.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentAttempts { get; set; } = 16;

    /// <summary>The most response bytes read from a receiver (the body is discarded). Default 4096.</summary>
    [Range(0, 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 4096;

    /// <summary>Events a connection keeps while the tenant's webhooks grain cannot take them; the oldest are dropped past it (and logged). Default 100.</summary>
    [Range(10, 10_000)]
    public int MaxOutboxEvents { get; set; } = 100;

    /// <summary>The backoff of the contract: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly.</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetryDelays { get; } =
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)];

    /// <summary>The configured delays, or the default ones when none are configured.</summary>
    public IReadOnlyList<TimeSpan> Delays => RetryDelays.Count > 0 ? RetryDelays : DefaultRetryDelays;
}

/// <summary>The time spans of <see cref="WebhookOptions"/>: all positive, and an attempt limited to a minute at most.</summary>
public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{WebhookOptions.Section}:{key} must be positive; it is {value.ToString("c", CultureInfo.InvariantCulture)}.");
            }
        }

        Positive(nameof(options.RetryWindow), options.RetryWindow);
        Positive(nameof(options.AttemptTimeout), options.AttemptTimeout);
        Positive(nameof(options.MaxRetryAfter), options.MaxRetryAfter);
        Positive(nameof(options.SecretOverlap), options.SecretOverlap);
        for (var i = 0; i < options.RetryDelays.Count; i++)
        {
            Positive($"{nameof(options.RetryDelays)}:{i}", options.RetryDelays[i]);
        }

        if (options.AttemptTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{WebhookOptions.Section}:{nameof(options.AttemptTimeout)} must be at most 00:01:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
