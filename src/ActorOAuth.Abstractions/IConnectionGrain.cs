namespace ActorOAuth.Abstractions;

/// <summary>
/// One OAuth 2.0 connection, keyed <c>{tenant}/{connectionId}</c>. The only writer of that
/// connection's settings, attempt, tokens, status, refresh schedule and log. Refusals are
/// thrown as <see cref="ConnectionProblemException"/>.
/// </summary>
[Alias("ActorOAuth.IConnectionGrain")]
public interface IConnectionGrain : IGrainWithStringKey
{
    /// <summary>Creates the connection or updates its settings; tokens are kept.</summary>
    [Alias("Save")]
    Task<SaveResult> Save(ConnectionSettings settings, string callbackUrl);

    /// <summary>The connection as every read shows it.</summary>
    [Alias("Get")]
    Task<ConnectionView> Get();

    /// <summary>Disconnects (revoking tokens) and forgets the connection.</summary>
    [Alias("Delete")]
    Task Delete();

    /// <summary>Starts a new authorization attempt with this exact <c>redirect_uri</c>; an older attempt is discarded.</summary>
    [Alias("Authorize")]
    Task<AuthorizationStart> Authorize(string redirectUri, string? returnUrl);

    /// <summary>
    /// Completes the attempt whose <c>state</c> the browser brought back, once <see cref="IAuthorizationStateGrain.Redeem"/>
    /// has routed it here: <paramref name="stateHash"/> names the attempt (the hash of its <c>state</c>); a stale or
    /// expired one changes nothing and ends <see cref="CallbackResult.Expired"/>.
    /// </summary>
    [Alias("CompleteCallback")]
    Task<CallbackOutcome> CompleteCallback(string stateHash, CallbackRequest callback);

    /// <summary>
    /// Hands out a valid access token, refreshing first when it is due or forced. A <see cref="ValueTask{T}"/>: the
    /// common case completes without a refresh, and then neither side allocates a task for it.
    /// </summary>
    /// <remarks>
    /// A token that can be handed out from memory as it is (used, valid, not due, its <c>used</c> entry logged within
    /// the interval) is handed out at once, beside the connection's other calls and timers: it never waits behind a
    /// state write or a provider call in progress. Every other fetch (a refresh, a status change, a log entry) takes
    /// its turn with the connection's other calls.
    /// </remarks>
    [Alias("GetAccessToken")]
    ValueTask<AccessTokenResult> GetAccessToken(bool forceRefresh);

    /// <summary>An execution reports a connection error: the status becomes errored.</summary>
    [Alias("ReportError")]
    Task ReportError(string code, string? message);

    /// <summary>Stops refresh, revokes and deletes the tokens.</summary>
    [Alias("Disconnect")]
    Task<ConnectionView> Disconnect();

    /// <summary>
    /// Asks the provider whether the access token still works (its cheap identity call). A 401 there, when a refresh
    /// cannot fix it, means the grant was revoked: the connection becomes errored and logs <c>check_failed</c>.
    /// </summary>
    [Alias("Check")]
    Task<ConnectionCheck> Check();

    /// <summary>The newest <paramref name="limit"/> log entries, newest first.</summary>
    [Alias("GetLogs")]
    Task<IReadOnlyList<LogEntry>> GetLogs(int limit);
}

/// <summary>
/// Maps an authorization <c>state</c> to the connection that issued it, keyed by the SHA-256 of
/// the state so storage never holds a usable one. Entries are single-use and expire.
/// </summary>
[Alias("ActorOAuth.IAuthorizationStateGrain")]
public interface IAuthorizationStateGrain : IGrainWithStringKey
{
    [Alias("Register")]
    Task Register(string connectionKey, DateTimeOffset expiresAt);

    /// <summary>
    /// Single use: the connection key when the entry exists and has not expired, else null; the entry is forgotten
    /// either way, in the same turn, so a second redemption of the same <c>state</c> finds nothing.
    /// </summary>
    [Alias("Redeem")]
    Task<string?> Redeem();

    [Alias("Forget")]
    Task Forget();
}

/// <summary>Grain keys: tenant and connection id joined by a slash.</summary>
public static class ConnectionKeys
{
    public static string For(string tenant, string connectionId) => $"{tenant}/{connectionId}";

    /// <summary>The <see cref="IAuthorizationStateGrain"/> key for a <c>state</c>: its SHA-256, hex.</summary>
    public static string ForState(string state) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(state)));

    public static (string Tenant, string ConnectionId) Split(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }
}
