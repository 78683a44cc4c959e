using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains;

/// <summary>Everything a connection persists. Tokens and the client secret live only here.</summary>
[GenerateSerializer, Alias("ActorOAuth.ConnectionState")]
public sealed class ConnectionState
{
    [Id(0)] public bool Exists { get; set; }

    [Id(1)] public ConnectionSettings Settings { get; set; } = new();

    [Id(2)] public ConnectionStatus Status { get; set; }

    [Id(3)] public AuthorizationAttempt? Attempt { get; set; }

    [Id(4)] public TokenSet? Tokens { get; set; }

    /// <summary>Oldest first; bounded by <see cref="ConnectionOptions.MaxLogEntries"/>.</summary>
    [Id(5)] public List<LogEntry> Log { get; set; } = [];

    [Id(6)] public string? CallbackUrl { get; set; }

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }

    [Id(9)] public ConnectionError? LastError { get; set; }

    [Id(10)] public DateTimeOffset? LastUsedAt { get; set; }

    [Id(11)] public DateTimeOffset? LastRefreshedAt { get; set; }

    [Id(12)] public RefreshSchedule Refresh { get; set; } = new();

    /// <summary>Set when a refresh failed terminally; only a new authorization clears it.</summary>
    [Id(13)] public bool RefreshFailedTerminally { get; set; }

    [Id(14)] public bool EverHeldTokens { get; set; }

    /// <summary>The provider advertises RFC 9207 <c>iss</c> in authorization responses, so a callback without it is refused.</summary>
    [Id(15)] public bool IssParameterRequired { get; set; }

    /// <summary>
    /// Bumped by every change the tenant's index lists (status, settings); the index keeps the highest it was told,
    /// so a late or repeated update never overwrites a newer one. Starts at the creation time's ticks, so a connection
    /// deleted and created again starts above its earlier life.
    /// </summary>
    [Id(16)] public long IndexRevision { get; set; }

    /// <summary>The highest <see cref="IndexRevision"/> the index confirmed; below it, the index still has to be told.</summary>
    [Id(17)] public long IndexedRevision { get; set; }

    /// <summary>
    /// An activation granted hand-out leases to API processes and has not withdrawn them all: the next activation waits
    /// one lease (<c>ActorOAuth:Handout:Lease</c>) before its first change completes.
    /// </summary>
    [Id(50)] public bool HandoutLeased { get; set; }

    /// <summary>
    /// For a connection of an integration, the settings as the connection gave them (integration, scopes, params,
    /// metadata); null for one with settings of its own. <see cref="Settings"/> is then what they resolve to with the
    /// integration's app settings, resolved again before every provider call, and never holds the client secret.
    /// </summary>
    [Id(18)] public ConnectionSettings? Given { get; set; }

    /// <summary>
    /// The provider data API calls need (<c>config</c>): the params, and what the callback and token responses
    /// carried. Replaced, never changed in place, so a hand-out can share it.
    /// </summary>
    [Id(19)] public IReadOnlyDictionary<string, string> Config { get; set; } = ConnectionConfig.Empty;

    /// <summary>
    /// Webhook events written with the change that caused them, oldest first, until the tenant's webhooks grain has
    /// stored them (bounded by <see cref="Webhooks.WebhookOptions.MaxOutboxEvents"/>).
    /// </summary>
    [Id(30)] public List<OutboxEvent> Outbox { get; set; } = [];

    /// <summary>The access token expiry a <c>connection.refresh_failed</c> was sent for, so a retrying connection announces an expired token once.</summary>
    [Id(31)] public DateTimeOffset? RefreshFailureAnnouncedFor { get; set; }
}

/// <summary>One authorization attempt in flight. Only the hash of its <c>state</c> is kept.</summary>
[GenerateSerializer, Alias("ActorOAuth.AuthorizationAttempt")]
public sealed class AuthorizationAttempt
{
    [Id(0)] public required string StateHash { get; init; }

    /// <summary>The PKCE verifier; never leaves the server.</summary>
    [Id(1)] public string? CodeVerifier { get; init; }

    /// <summary>The exact <c>redirect_uri</c> sent, reused byte for byte in the token request.</summary>
    [Id(2)] public required string RedirectUri { get; init; }

    [Id(3)] public required DateTimeOffset ExpiresAt { get; init; }

    [Id(4)] public string? ReturnUrl { get; init; }
}

/// <summary>The tokens the provider issued.</summary>
[GenerateSerializer, Alias("ActorOAuth.TokenSet")]
public sealed class TokenSet
{
    [Id(0)] public required string AccessToken { get; init; }

    [Id(1)] public string TokenType { get; init; } = "Bearer";

    [Id(2)] public string? RefreshToken { get; init; }

    [Id(3)] public required DateTimeOffset IssuedAt { get; init; }

    [Id(4)] public DateTimeOffset? ExpiresAt { get; init; }

    [Id(5)] public IReadOnlyList<string> GrantedScopes { get; init; } = [];

    /// <summary>The config values this response carried (the catalog entry says which); null when none.</summary>
    [Id(6)] public IReadOnlyDictionary<string, string>? Config { get; init; }
}

/// <summary>When the next refresh happens and how the current run of failures stands.</summary>
[GenerateSerializer, Alias("ActorOAuth.RefreshSchedule")]
public sealed class RefreshSchedule
{
    /// <summary>The next proactive refresh or retry; null when nothing is scheduled.</summary>
    [Id(0)] public DateTimeOffset? NextAt { get; set; }

    /// <summary>Consecutive transient failures since the last success.</summary>
    [Id(1)] public int Failures { get; set; }

    [Id(2)] public DateTimeOffset? FirstFailureAt { get; set; }

    /// <summary>Provider calls in the current hour window, to keep retries bounded.</summary>
    [Id(3)] public int CallsThisHour { get; set; }

    [Id(4)] public DateTimeOffset? HourStartedAt { get; set; }

    /// <summary>True while retrying after a transient failure (fetches then never call the provider).</summary>
    public bool BackingOff => Failures > 0;
}
