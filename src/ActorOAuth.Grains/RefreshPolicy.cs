namespace ActorOAuth.Grains;

/// <summary>The refresh schedule's arithmetic: when a token is due, how long to back off. Pure.</summary>
public sealed class RefreshPolicy(ConnectionOptions options)
{
    /// <summary>
    /// Lead before expiry: min(max lead, fraction of lifetime), with ± jitter. <paramref name="unitRandom"/>
    /// is a number in [0, 1) that picks where in the jitter band the lead falls.
    /// </summary>
    public TimeSpan Lead(TimeSpan lifetime, double unitRandom)
    {
        var lead = TimeSpan.FromTicks(Math.Min(options.MaxRefreshLead.Ticks, (long)(lifetime.Ticks * options.RefreshLeadFraction)));
        var jitter = 1.0 + options.RefreshJitter * (2 * unitRandom - 1);
        return TimeSpan.FromTicks((long)(lead.Ticks * jitter));
    }

    /// <summary>When to refresh a token issued at <paramref name="issuedAt"/>, or null when it cannot be scheduled.</summary>
    public DateTimeOffset? DueAt(DateTimeOffset issuedAt, DateTimeOffset? expiresAt, int? refreshIntervalSeconds, double unitRandom)
    {
        if (expiresAt is { } expiry)
        {
            return expiry - Lead(expiry - issuedAt, unitRandom);
        }

        return refreshIntervalSeconds is > 0 and var seconds ? issuedAt.AddSeconds(seconds) : null;
    }

    /// <summary>
    /// Backoff after the <paramref name="failures"/>-th consecutive transient failure: exponential with
    /// ± jitter, never sooner than the provider's <c>Retry-After</c>.
    /// </summary>
    public TimeSpan Backoff(int failures, TimeSpan? retryAfter, double unitRandom)
    {
        var exponent = Math.Min(Math.Max(failures - 1, 0), 20);
        var ticks = Math.Min(options.RetryInitialDelay.Ticks * (1L << exponent), options.RetryMaxDelay.Ticks);
        var jittered = TimeSpan.FromTicks((long)(ticks * (0.8 + 0.4 * unitRandom)));
        return retryAfter is { } after && after > jittered ? after : jittered;
    }

    /// <summary>
    /// The earliest time the next provider call is allowed, given the calls already made in the
    /// current hour window (the per-connection budget).
    /// </summary>
    public DateTimeOffset BudgetedAt(RefreshSchedule schedule, DateTimeOffset wanted)
    {
        if (schedule.HourStartedAt is { } start && schedule.CallsThisHour >= options.MaxProviderCallsPerHour)
        {
            var windowEnd = start.AddHours(1);
            return wanted > windowEnd ? wanted : windowEnd;
        }

        return wanted;
    }

    /// <summary>Counts one provider call against the hourly budget.</summary>
    public static void CountCall(RefreshSchedule schedule, DateTimeOffset now)
    {
        if (schedule.HourStartedAt is not { } start || now - start >= TimeSpan.FromHours(1))
        {
            schedule.HourStartedAt = now;
            schedule.CallsThisHour = 0;
        }

        schedule.CallsThisHour++;
    }
}
