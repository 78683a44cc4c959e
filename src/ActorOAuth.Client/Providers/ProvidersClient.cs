namespace ActorOAuth.Client.Providers;

/// <inheritdoc />
internal sealed class ProvidersClient(ActorOAuthHttp http) : IProvidersClient
{
    private const string Base = "api/providers";

    public async Task<IReadOnlyList<ProviderView>> ListAsync(CancellationToken cancellationToken = default) =>
        (await http.SendAsync<ListResponse>(HttpMethod.Get, Base, null, cancellationToken)).Items;

    public Task<ProviderView> GetAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync<ProviderView>(HttpMethod.Get, Base + "/" + ActorOAuthHttp.Segment(id), null, cancellationToken);

    private sealed record ListResponse(IReadOnlyList<ProviderView> Items);
}
