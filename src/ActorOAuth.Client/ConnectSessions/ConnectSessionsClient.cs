namespace ActorOAuth.Client.ConnectSessions;

/// <inheritdoc />
internal sealed class ConnectSessionsClient(ActorOAuthHttp http) : IConnectSessionsClient
{
    private const string Base = "api/connect-sessions";

    public Task<ConnectSession> CreateAsync(
        IEnumerable<string> connectionIds, string? returnUrl = null, TimeSpan? expiresIn = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionIds);
        int? seconds = null;
        if (expiresIn is { } lifetime)
        {
            if (lifetime <= TimeSpan.Zero || lifetime.Ticks % TimeSpan.TicksPerSecond != 0 || lifetime.TotalSeconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(expiresIn), lifetime, "A positive whole number of seconds.");
            }

            seconds = (int)lifetime.TotalSeconds;
        }

        return http.SendAsync<ConnectSession>(HttpMethod.Post, Base, new CreateRequest([.. connectionIds], returnUrl, seconds), cancellationToken);
    }

    public Task RevokeAsync(string token, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Delete, Base + "/" + ActorOAuthHttp.Segment(token), null, cancellationToken);

    private sealed record CreateRequest(IReadOnlyList<string> Connections, string? ReturnUrl, int? ExpiresInSeconds);
}
