namespace ActorOAuth.Abstractions;

/// <summary>What every read of a connection returns. Never carries a token or a secret.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionView")]
public sealed record ConnectionView
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required ConnectionStatus Status { get; init; }

    [Id(2)] public string? Provider { get; init; }

    [Id(3)] public string? AuthorizeUrl { get; init; }

    [Id(4)] public string? TokenUrl { get; init; }

    [Id(5)] public string? RevokeUrl { get; init; }

    [Id(6)] public string? Issuer { get; init; }

    [Id(7)] public string? ClientId { get; init; }

    [Id(8)] public IReadOnlyList<string> Scopes { get; init; } = [];

    [Id(9)] public IReadOnlyList<string> GrantedScopes { get; init; } = [];

    [Id(10)] public bool HasRefreshToken { get; init; }

    [Id(11)] public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    [Id(12)] public DateTimeOffset? NextRefreshAt { get; init; }

    [Id(13)] public DateTimeOffset? LastRefreshedAt { get; init; }

    [Id(14)] public DateTimeOffset? LastUsedAt { get; init; }

    [Id(15)] public ConnectionError? LastError { get; init; }

    [Id(16)] public string? CallbackUrl { get; init; }

    [Id(17)] public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    [Id(18)] public DateTimeOffset CreatedAt { get; init; }

    [Id(19)] public DateTimeOffset UpdatedAt { get; init; }

    [Id(20)] public string? TokenAuthMethod { get; init; }

    [Id(21)] public bool Pkce { get; init; }

    [Id(22)] public IReadOnlyList<string> Hidden { get; init; } = [];

    /// <summary>The integration whose client credentials and URLs the connection uses, or null.</summary>
    [Id(23)] public string? Integration { get; init; }

    /// <summary>
    /// What the provider handed back that API calls need and that is not a secret (QuickBooks' <c>realmId</c>,
    /// Salesforce's <c>instanceUrl</c> …), plus the connection's <c>params</c>. Empty, never null.
    /// </summary>
    [Id(24)] public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    [Id(25)] public string? UserInfoUrl { get; init; }
}

/// <summary>The last connection-related error: a provider error code or a reported one.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionError")]
public sealed record ConnectionError(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Code,
    [property: Id(2)] string? Message);
