namespace ActorOAuth.Client.Integrations;

/// <summary>
/// <c>/api/integrations</c>: the OAuth apps the tenant registered at third parties, one per app. Every connection of an
/// integration (<see cref="ConnectionSettings.Integration"/>) uses its client id, secret and URLs at its next provider
/// call, so rotating the app's secret is one <see cref="PutAsync"/>. Ids follow the connection id rule.
/// </summary>
public interface IIntegrationsClient
{
    /// <summary>
    /// <c>PUT /api/integrations/{id}</c>: creates the integration or replaces its settings (a null
    /// <see cref="IntegrationSettings.ClientSecret"/> keeps the stored one). An unknown
    /// <see cref="IntegrationSettings.Provider"/> or refused URL is a 400 <see cref="ActorOAuthProblemCodes.ValidationFailed"/>.
    /// </summary>
    Task<SavedIntegration> PutAsync(string id, IntegrationSettings settings, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/integrations/{id}</c>; 404 <see cref="ActorOAuthProblemCodes.IntegrationNotFound"/> when the tenant has none.
    /// </summary>
    Task<IntegrationView> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/integrations</c>: every integration of the tenant, in id order.</summary>
    Task<IReadOnlyList<IntegrationView>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>DELETE /api/integrations/{id}</c>: forgets the integration; 409 <see cref="ActorOAuthProblemCodes.IntegrationInUse"/>
    /// while a connection uses it.
    /// </summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken = default);
}
