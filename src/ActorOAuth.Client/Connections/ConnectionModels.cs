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

    /// <summary>
    /// The integration (the tenant's OAuth app, see <c>Integrations</c>) whose client credentials and URLs the connection
    /// uses. A connection of an integration gives only <see cref="Scopes"/> (replacing the integration's),
    /// <see cref="Params"/> and <see cref="Metadata"/>: URLs or client credentials with it are a 400.
    /// </summary>
    public string? Integration { get; init; }

    /// <summary>
    /// The values of the provider's URL placeholders (<c>{subdomain}</c>, <c>{shop}</c> …), each a DNS label or host
    /// name; kept in the connection's <see cref="ConnectionView.Config"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Params { get; init; }

    /// <summary>The provider's cheap identity call (OIDC userinfo or alike) that <c>CheckAsync</c> uses.</summary>
    public string? UserInfoUrl { get; init; }

    /// <summary>Where refreshes go when that is not the token endpoint (a catalog entry sets it).</summary>
    public string? RefreshUrl { get; init; }
}

/// <summary>A connection as every read returns it. Never carries a token or a secret.</summary>
public sealed record ConnectionView
{
    /// <summary>The connection's id, unique within the tenant.</summary>
    public required string Id { get; init; }

    /// <summary>The status light.</summary>
    public required ConnectionStatus Status { get; init; }

    /// <summary>The provider catalog id, or null for a fully custom connection.</summary>
    public string? Provider { get; init; }

    /// <summary>The provider's authorization endpoint (null when hidden).</summary>
    public string? AuthorizeUrl { get; init; }

    /// <summary>The provider's token endpoint (null when hidden).</summary>
    public string? TokenUrl { get; init; }

    /// <summary>The provider's revocation endpoint, if any (null when hidden).</summary>
    public string? RevokeUrl { get; init; }

    /// <summary>The provider's issuer, if configured.</summary>
    public string? Issuer { get; init; }

    /// <summary>Null when hidden.</summary>
    public string? ClientId { get; init; }

    /// <summary>The scopes requested.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>The scopes the provider granted with the current tokens.</summary>
    public IReadOnlyList<string> GrantedScopes { get; init; } = [];

    /// <summary>Whether the connection holds a refresh token.</summary>
    public bool HasRefreshToken { get; init; }

    /// <summary>When the current access token expires.</summary>
    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    /// <summary>When ActorOAuth refreshes the tokens next.</summary>
    public DateTimeOffset? NextRefreshAt { get; init; }

    /// <summary>When the tokens were last refreshed.</summary>
    public DateTimeOffset? LastRefreshedAt { get; init; }

    /// <summary>When an execution last fetched the token.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The last connection-related error: a provider error or a reported one.</summary>
    public ConnectionError? LastError { get; init; }

    /// <summary>The redirect URI the connection authorizes with.</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>The caller's own key/value pairs.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>How ActorOAuth authenticates at the token endpoint.</summary>
    public string? TokenAuthMethod { get; init; }

    /// <summary>Whether authorizations use PKCE.</summary>
    public bool Pkce { get; init; }

    /// <summary>The fields left out of every view.</summary>
    public IReadOnlyList<string> Hidden { get; init; } = [];

    /// <summary>When the connection was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the connection last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The integration whose client credentials and URLs the connection uses, or null.</summary>
    public string? Integration { get; init; }

    /// <summary>
    /// What the provider handed back that API calls need and that is not a secret (QuickBooks' <c>realmId</c>,
    /// Salesforce's <c>instanceUrl</c>, Slack's <c>teamId</c> …), plus the connection's <c>params</c>. Empty, never null.
    /// </summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>The provider's identity call that <c>CheckAsync</c> uses, or null when the connection has none.</summary>
    public string? UserInfoUrl { get; init; }
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
    /// <summary>
    /// The connection's provider data that API calls need (QuickBooks' <c>realmId</c>, Salesforce's <c>instanceUrl</c> …)
    /// and its <c>params</c>, as in <see cref="ConnectionView.Config"/>. Empty, never null.
    /// </summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>Leaves the token out, so the record can be logged or shown in a debugger safely.</summary>
    public override string ToString() =>
        $"ConnectionToken {{ TokenType = {TokenType}, ExpiresAt = {ExpiresAt:O}, Scopes = [{string.Join(' ', Scopes)}], Config = [{string.Join(' ', Config.Keys)}] }}";
}

/// <summary>
/// What <c>POST /api/connections/{id}/check</c> found: whether the provider accepted the access token at its identity
/// call, the HTTP status that call answered (null when it was not reached) and a sentence about it (never a token).
/// A token the provider refused (after one refresh) makes the connection errored.
/// </summary>
public sealed record ConnectionCheck(bool Ok, int? Status, string Detail);

/// <summary>One entry of a connection's log. Never contains a token, code or secret.</summary>
public sealed record ConnectionLogEntry(DateTimeOffset At, string Level, string Event, string Message);

/// <summary>A page of connections in id order, and the cursor of the next page (null on the last).</summary>
public sealed record ConnectionPage(IReadOnlyList<ConnectionView> Items, string? Next);

/// <summary>What a listing keeps, and where it starts. Every criterion given must match.</summary>
public sealed record ConnectionQuery
{
    /// <summary>Only connections with this status.</summary>
    public ConnectionStatus? Status { get; init; }

    /// <summary>Only connections of this provider catalog id.</summary>
    public string? Provider { get; init; }

    /// <summary>Only connections of this integration.</summary>
    public string? Integration { get; init; }

    /// <summary>Pairs the connection's metadata must all contain, compared exactly.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The <see cref="ConnectionPage.Next"/> of the previous page; null for the first.</summary>
    public string? Cursor { get; init; }

    /// <summary>1 to 200; the server's default (50) when null.</summary>
    public int? Limit { get; init; }
}
