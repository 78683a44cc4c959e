using ActorOAuth.Client.Connections;
using ActorOAuth.Client.ConnectSessions;
using ActorOAuth.Client.Integrations;
using ActorOAuth.Client.Providers;
using ActorOAuth.Client.Webhooks;

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

    /// <summary><c>/api/integrations</c>: the tenant's OAuth apps, whose client credentials and URLs their connections use.</summary>
    IIntegrationsClient Integrations { get; }

    /// <summary><c>/api/providers</c>: the provider catalog of this deployment.</summary>
    IProvidersClient Providers { get; }

    /// <summary><c>/api/connect-sessions</c>: links to the connect page for one customer's connections.</summary>
    IConnectSessionsClient ConnectSessions { get; }

    /// <summary><c>/api/webhooks</c>: where the tenant's connection events go, their secrets and delivery logs.</summary>
    IWebhooksClient Webhooks { get; }

    /// <summary>
    /// <c>GET /api/callback-url</c>: the redirect URI to register at the third party for this tenant (the deployment's,
    /// or the tenant's custom domain's).
    /// </summary>
    Task<string> GetCallbackUrlAsync(CancellationToken cancellationToken = default);
}

/// <inheritdoc />
internal sealed class ActorOAuthClient(HttpClient http, TimeProvider time) : IActorOAuthClient
{
    /// <summary>The name of the <see cref="HttpClient"/> every ActorOAuth API call goes through.</summary>
    public const string HttpClientName = "ActorOAuth";

    private readonly ActorOAuthHttp _http = new(http, time);

    public IConnectionsClient Connections => field ??= new ConnectionsClient(_http);

    public IIntegrationsClient Integrations => field ??= new IntegrationsClient(_http);

    public IProvidersClient Providers => field ??= new ProvidersClient(_http);

    public IConnectSessionsClient ConnectSessions => field ??= new ConnectSessionsClient(_http);

    public IWebhooksClient Webhooks => field ??= new WebhooksClient(_http);

    public async Task<string> GetCallbackUrlAsync(CancellationToken cancellationToken = default) =>
        (await _http.SendAsync<CallbackUrlResponse>(HttpMethod.Get, "api/callback-url", null, cancellationToken)).CallbackUrl;

    private sealed record CallbackUrlResponse(string CallbackUrl);
}
