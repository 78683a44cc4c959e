using System.Text.Json.Serialization;

namespace ActorOAuth.Client;

/// <summary>The status light of a connection.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectionStatus>))]
public enum ConnectionStatus
{
    /// <summary>Settings saved, no tokens yet: authorize it.</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>Authorized and holding tokens; not used yet.</summary>
    [JsonStringEnumMemberName("configured")] Configured,

    /// <summary>An execution fetched the token and reported no error since.</summary>
    [JsonStringEnumMemberName("used")] Used,

    /// <summary>A connection-related error happened (see <see cref="ConnectionView.LastError"/>).</summary>
    [JsonStringEnumMemberName("errored")] Errored,

    /// <summary>Disconnected: tokens revoked and deleted, refresh stopped.</summary>
    [JsonStringEnumMemberName("disconnected")] Disconnected,
}

/// <summary>
/// How to talk to one third-party provider for one connection: the body of <c>PUT /api/connections/{id}</c>. Properties
/// left null are not sent; a <see cref="ClientSecret"/> left null keeps the stored one.
/// </summary>
public sealed record ConnectionSettings
{
    /// <summary>A provider catalog id (for example <c>sandbox</c>); fills the URLs that are not given.</summary>
    public string? Provider { get; init; }

    /// <summary>The provider's authorization endpoint.</summary>
    public string? AuthorizeUrl { get; init; }

    /// <summary>The provider's token endpoint.</summary>
    public string? TokenUrl { get; init; }

    /// <summary>The provider's RFC 7009 revocation endpoint, if it has one.</summary>
    public string? RevokeUrl { get; init; }

    /// <summary>The provider's issuer: enables RFC 9207 <c>iss</c> checks.</summary>
    public string? Issuer { get; init; }

    /// <summary>The client id registered at the provider.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client secret registered at the provider. Write-only: never returned by any read.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>The scopes to request.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Extra parameters of the authorization request (for example <c>access_type=offline</c>).</summary>
    public IReadOnlyDictionary<string, string>? AuthorizeParams { get; init; }

    /// <summary><c>client_secret_basic</c> (the server's default) or <c>client_secret_post</c>.</summary>
    public string? TokenAuthMethod { get; init; }

    /// <summary>PKCE (S256); on unless set to false.</summary>
    public bool? Pkce { get; init; }

    /// <summary>Refresh this often when tokens carry no expiry.</summary>
    public int? RefreshIntervalSeconds { get; init; }

    /// <summary>Fields left out of every view (for example <c>clientId</c>, <c>tokenUrl</c>).</summary>
    public IReadOnlyList<string>? Hidden { get; init; }

    /// <summary>The caller's own key/value pairs; listings filter on them.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>A connection as every read returns it. Never carries a token or a secret.</summary>
public sealed record ConnectionView
{
    public required string Id { get; init; }

    public required ConnectionStatus Status { get; init; }

    public string? Provider { get; init; }

    public string? AuthorizeUrl { get; init; }

    public string? TokenUrl { get; init; }

    public string? RevokeUrl { get; init; }

    public string? Issuer { get; init; }

    /// <summary>Null when hidden.</summary>
    public string? ClientId { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public IReadOnlyList<string> GrantedScopes { get; init; } = [];

    public bool HasRefreshToken { get; init; }

    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    public DateTimeOffset? NextRefreshAt { get; init; }

    public DateTimeOffset? LastRefreshedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The last connection-related error: a provider error or a reported one.</summary>
    public ConnectionError? LastError { get; init; }

    /// <summary>The redirect URI the connection authorizes with.</summary>
    public string? CallbackUrl { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public string? TokenAuthMethod { get; init; }

    public bool Pkce { get; init; }

    public IReadOnlyList<string> Hidden { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The last connection-related error: a provider error code or one an execution reported.</summary>
public sealed record ConnectionError(DateTimeOffset At, string Code, string? Message);

/// <summary>The result of a <c>PUT</c>: the connection and whether this call created it (201) or updated it (200).</summary>
public sealed record SavedConnection(ConnectionView Connection, bool Created);

/// <summary>Where to send the customer's browser to consent, and until when the attempt is valid.</summary>
public sealed record AuthorizationStart(string AuthorizationUrl, DateTimeOffset ExpiresAt);

/// <summary>An access token handed out for one connection. Keep it in memory only; never log it.</summary>
public sealed record ConnectionToken(string AccessToken, string TokenType, DateTimeOffset? ExpiresAt, IReadOnlyList<string> Scopes)
{
    /// <summary>Leaves the token out, so the record can be logged or shown in a debugger safely.</summary>
    public override string ToString() => $"ConnectionToken {{ TokenType = {TokenType}, ExpiresAt = {ExpiresAt:O}, Scopes = [{string.Join(' ', Scopes)}] }}";
}

/// <summary>One entry of a connection's log. Never contains a token, code or secret.</summary>
public sealed record ConnectionLogEntry(DateTimeOffset At, string Level, string Event, string Message);

/// <summary>A page of connections in id order, and the cursor of the next page (null on the last).</summary>
public sealed record ConnectionPage(IReadOnlyList<ConnectionView> Items, string? Next);

/// <summary>What a listing keeps, and where it starts. Every criterion given must match.</summary>
public sealed record ConnectionQuery
{
    public ConnectionStatus? Status { get; init; }

    public string? Provider { get; init; }

    public string? Integration { get; init; }

    /// <summary>Pairs the connection's metadata must all contain, compared exactly.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The <see cref="ConnectionPage.Next"/> of the previous page; null for the first.</summary>
    public string? Cursor { get; init; }

    /// <summary>1 to 200; the server's default (50) when null.</summary>
    public int? Limit { get; init; }
}
