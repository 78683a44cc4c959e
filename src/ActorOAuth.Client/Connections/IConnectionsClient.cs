namespace ActorOAuth.Client.Connections;

/// <summary>
/// <c>/api/connections</c>. Ids are chosen by the caller (<c>acme-42.slack</c>: a letter or digit, then up to 99 letters,
/// digits, <c>.</c>, <c>_</c>, <c>~</c> or <c>-</c>) and scoped to the API key's tenant.
/// </summary>
public interface IConnectionsClient
{
    /// <summary><c>PUT /api/connections/{id}</c>: creates the connection (status pending) or updates its settings, keeping its tokens.</summary>
    Task<SavedConnection> PutAsync(string id, ConnectionSettings settings, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/connections/{id}</c>.</summary>
    Task<ConnectionView> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/connections</c>: one page, in id order.</summary>
    Task<ConnectionPage> ListAsync(ConnectionQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Every connection that matches, page after page (each connection that exists throughout exactly once).</summary>
    IAsyncEnumerable<ConnectionView> ListAllAsync(ConnectionQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/connections/{id}</c>: disconnects (revoking the tokens), then forgets the connection.</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/connections/{id}/authorize</c>: starts an authorization; send the customer's browser to
    /// <see cref="AuthorizationStart.AuthorizationUrl"/>. After consent it lands on the callback, or on
    /// <paramref name="returnUrl"/> (an origin the tenant allowed).
    /// </summary>
    Task<AuthorizationStart> AuthorizeAsync(string id, string? returnUrl = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/connections/{id}/token</c>: a valid access token (refreshed first when due, or when
    /// <paramref name="forceRefresh"/>); marks the connection used. Throws 409 problems when there is no usable token
    /// (<see cref="ActorOAuthProblemCodes.ConnectionPending"/>, <see cref="ActorOAuthProblemCodes.ReauthorizationRequired"/>, …).
    /// To call a third party with it, prefer <c>AddConnectionToken</c> on that <see cref="HttpClient"/>.
    /// </summary>
    Task<ConnectionToken> GetTokenAsync(string id, bool forceRefresh = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/connections/{id}/errors</c>: reports a connection error seen by an execution (<c>unauthorized</c> for a
    /// third party's 401); the connection becomes errored.
    /// </summary>
    Task ReportErrorAsync(string id, string code, string? message = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/connections/{id}/check</c>: calls the provider's identity call (<c>userInfoUrl</c>) with the access
    /// token and says whether it was accepted; a refused token gets one refresh and is asked again, and a token still
    /// refused errors the connection. Throws 409 <see cref="ActorOAuthProblemCodes.CheckUnavailable"/> when the
    /// connection has no identity call, and the token problems of <see cref="GetTokenAsync"/> when it has no tokens.
    /// </summary>
    Task<ConnectionCheck> CheckAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>POST /api/connections/{id}/disconnect</c>: stops refresh, revokes and deletes the tokens.</summary>
    Task<ConnectionView> DisconnectAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/connections/{id}/logs</c>: the newest entries first (<paramref name="limit"/> 1 to 200, default 50).</summary>
    Task<IReadOnlyList<ConnectionLogEntry>> GetLogsAsync(string id, int? limit = null, CancellationToken cancellationToken = default);
}
