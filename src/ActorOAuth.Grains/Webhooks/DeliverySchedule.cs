namespace ActorOAuth.Grains.Webhooks;

/// <summary>
/// When a delivery is tried again: after the n-th failed attempt, the n-th delay of the schedule (the last one repeats),
/// counted from that attempt's start, and never sooner than the receiver's <c>Retry-After</c> (up to its cap). Once an
/// attempt that failed started at least the retry window after the first one, the delivery is given up.
/// </summary>
public sealed class DeliverySchedule(WebhookOptions options)
{
    /// <summary>The next attempt's time, or null to give up.</summary>
    public DateTimeOffset? After(int failedAttempts, DateTimeOffset firstAttemptAt, DateTimeOffset attemptAt, TimeSpan? retryAfter)
    {
        if (attemptAt - firstAttemptAt >= options.RetryWindow)
        {
            return null;
        }

        var delays = options.Delays;
        var delay = delays[Math.Clamp(failedAttempts, 1, delays.Count) - 1];
        if (retryAfter is { } after && after > delay)
        {
            delay = after < options.MaxRetryAfter ? after : options.MaxRetryAfter;
        }

        return attemptAt + delay;
    }
}
