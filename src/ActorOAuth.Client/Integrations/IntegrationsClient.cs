using System.Net;

namespace ActorOAuth.Client.Integrations;

/// <inheritdoc />
internal sealed class IntegrationsClient(ActorOAuthHttp http) : IIntegrationsClient
{
    private const string Base = "api/integrations";

    public async Task<SavedIntegration> PutAsync(string id, IntegrationSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (view, status) = await http.SendWithStatusAsync<IntegrationView>(HttpMethod.Put, One(id), settings, cancellationToken);
        return new SavedIntegration(view, status == HttpStatusCode.Created);
    }

    public Task<IntegrationView> GetAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync<IntegrationView>(HttpMethod.Get, One(id), null, cancellationToken);

    public async Task<IReadOnlyList<IntegrationView>> ListAsync(CancellationToken cancellationToken = default) =>
        (await http.SendAsync<ListResponse>(HttpMethod.Get, Base, null, cancellationToken)).Items;

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Delete, One(id), null, cancellationToken);

    private static string One(string id) => Base + "/" + ActorOAuthHttp.Segment(id);

    private sealed record ListResponse(IReadOnlyList<IntegrationView> Items);
}
