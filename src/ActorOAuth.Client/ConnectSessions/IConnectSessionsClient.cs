namespace ActorOAuth.Client.ConnectSessions;

/// <summary>
/// <c>/api/connect-sessions</c>: links to the connect page, where a customer connects, reconnects or disconnects the
/// listed connections and reads their logs, without ever holding an API key.
/// </summary>
public interface IConnectSessionsClient
{
    /// <summary>
    /// <c>POST /api/connect-sessions</c>: mints a session for 1 to 50 existing connections of the tenant (404
    /// <see cref="ActorOAuthProblemCodes.ConnectionNotFound"/> for one that is not). After a connect the customer's
    /// browser comes back to the page, and <paramref name="returnUrl"/> (an origin the tenant allowed) is where the page
    /// leads afterwards. <paramref name="expiresIn"/> is whole seconds from 1 minute to 24 hours; the server's default
    /// (30 minutes) when null.
    /// </summary>
    Task<ConnectSession> CreateAsync(
        IEnumerable<string> connectionIds, string? returnUrl = null, TimeSpan? expiresIn = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>DELETE /api/connect-sessions/{token}</c>: revokes a session early; its link shows the expired page from now on.
    /// 404 <see cref="ActorOAuthProblemCodes.ConnectSessionNotFound"/> when the tenant has no session with this token.
    /// </summary>
    Task RevokeAsync(string token, CancellationToken cancellationToken = default);
}
