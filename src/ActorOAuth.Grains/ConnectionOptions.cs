using System.ComponentModel.DataAnnotations;

namespace ActorOAuth.Grains;

/// <summary>
/// How connections behave: attempts, refresh schedule, retries, logs. Section <c>ActorOAuth:Connections</c>; checked at
/// start by data annotations and <see cref="ConnectionOptionsValidator"/> (every time span positive unless said otherwise).
/// </summary>
public sealed class ConnectionOptions
{
    public const string Section = "ActorOAuth:Connections";

    /// <summary>How long an authorization attempt (its <c>state</c>) stays valid. Default 10 minutes.</summary>
    public TimeSpan AuthorizationLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest lead before expiry at which a token is refreshed. Default 5 minutes.</summary>
    public TimeSpan MaxRefreshLead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The lead as a share of the token's lifetime, when that is shorter. Default 0.2.</summary>
    [Range(0.01, 0.9)]
    public double RefreshLeadFraction { get; set; } = 0.2;

    /// <summary>Random spread of the lead, ± this share. Default 0.1.</summary>
    [Range(0.0, 0.5)]
    public double RefreshJitter { get; set; } = 0.1;

    /// <summary>The reminder's period: the backstop that retries if a silo dies mid-refresh. Default and least 1 minute.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The first backoff after a transient refresh failure; doubles each time. Default 30 seconds.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest backoff between retries, at least <see cref="RetryInitialDelay"/>. Default 30 minutes.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The most refresh calls one connection makes to its provider in an hour. Default 12.</summary>
    [Range(1, 3600)]
    public int MaxProviderCallsPerHour { get; set; } = 12;

    /// <summary>How long transient failures may last after the access token expired before the connection is errored. Default 24 hours.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A forced refresh this soon after the last one returns the fresh token instead. Default 5 seconds; zero turns it off.</summary>
    public TimeSpan ForcedRefreshDebounce { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The fewest minutes between two <c>used</c> log entries. Default 1 minute.</summary>
    public TimeSpan UsedLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest a repeated <c>used</c> entry waits to be written (at a random moment within it, unless another write
    /// carries it sooner). Default 10 minutes: a busy fleet writes a tenth as often as it logs. Zero writes it at once.
    /// </summary>
    public TimeSpan UsedWriteDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Log entries kept per connection, oldest dropped first. Default 200.</summary>
    [Range(10, 10_000)]
    public int MaxLogEntries { get; set; } = 200;

    /// <summary>Time limit for one call to a provider's token or revocation endpoint, at most 5 minutes. Default 30 seconds.</summary>
    public TimeSpan ProviderCallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay between attempts to write a token set whose first write failed. Default 5 seconds.</summary>
    public TimeSpan StateWriteRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
