using ActorOAuth.Client.Connections;

namespace ActorOAuth.Client;

/// <summary>
/// The ActorOAuth HTTP API, one tenant's view of it (the tenant of the configured API key). Each resource has its own
/// sub-client; every call throws <see cref="ActorOAuthProblemException"/> when the API answers with a problem.
/// Register it with <c>services.AddActorOAuthClient(…)</c>.
/// </summary>
public interface IActorOAuthClient
{
    /// <summary><c>/api/connections</c>: settings, authorization, token hand-out, error reports, disconnect, logs.</summary>
    IConnectionsClient Connections { get; }

    /// <summary>
    /// <c>GET /api/callback-url</c>: the redirect URI to register at the third party for this tenant (the deployment's,
    /// or the tenant's custom domain's).
    /// </summary>
    Task<string> GetCallbackUrlAsync(CancellationToken cancellationToken = default);
}

/// <inheritdoc />
internal sealed class ActorOAuthClient(HttpClient http) : IActorOAuthClient
{
    /// <summary>The name of the <see cref="HttpClient"/> every ActorOAuth API call goes through.</summary>
    public const string HttpClientName = "ActorOAuth";

    private readonly ActorOAuthHttp _http = new(http);

    public IConnectionsClient Connections => field ??= new ConnectionsClient(_http);

    public async Task<string> GetCallbackUrlAsync(CancellationToken cancellationToken = default) =>
        (await _http.SendAsync<CallbackUrlResponse>(HttpMethod.Get, "api/callback-url", null, cancellationToken)).CallbackUrl;

    private sealed record CallbackUrlResponse(string CallbackUrl);
}
