namespace ActorOAuth.Client.Providers;

/// <summary>
/// <c>/api/providers</c>: the provider catalog this deployment offers. A catalog id in
/// <see cref="ConnectionSettings.Provider"/> or <see cref="IntegrationSettings.Provider"/> fills the URLs and quirks.
/// </summary>
public interface IProvidersClient
{
    /// <summary><c>GET /api/providers</c>: every catalog entry, sorted by id (ordinal).</summary>
    Task<IReadOnlyList<ProviderView>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/providers/{id}</c>; 404 <see cref="ActorOAuthProblemCodes.ProviderNotFound"/> when the catalog has no such entry.</summary>
    Task<ProviderView> GetAsync(string id, CancellationToken cancellationToken = default);
}
