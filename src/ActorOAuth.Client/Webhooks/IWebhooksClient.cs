namespace ActorOAuth.Client.Webhooks;

/// <summary>
/// <c>/api/webhooks</c>: where the tenant's connection events go. Each delivery is a <c>POST</c> signed per the Standard
/// Webhooks specification with the webhook's secret, delivered at least once (receivers dedupe by <c>webhook-id</c>).
/// Ids follow the connection id rule.
/// </summary>
public interface IWebhooksClient
{
    /// <summary>
    /// <c>PUT /api/webhooks/{id}</c>: creates the webhook (its secret in <see cref="SavedWebhook.Secret"/>, shown only
    /// now) or changes its URL and event types, keeping the secret. A refused URL or unknown event type is a 400
    /// <see cref="ActorOAuthProblemCodes.ValidationFailed"/>; 409 <see cref="ActorOAuthProblemCodes.WebhookLimitReached"/>
    /// when the tenant has the most webhooks allowed.
    /// </summary>
    Task<SavedWebhook> PutAsync(string id, WebhookSettings settings, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/webhooks/{id}</c>; 404 <see cref="ActorOAuthProblemCodes.WebhookNotFound"/> when the tenant has none.</summary>
    Task<WebhookView> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary><c>GET /api/webhooks</c>: every webhook of the tenant.</summary>
    Task<IReadOnlyList<WebhookView>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /api/webhooks/{id}</c>: stops its deliveries and forgets it.</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /api/webhooks/{id}/rotate-secret</c>: a new signing secret, shown only in this answer; the old one keeps
    /// signing too for 24 hours, so receivers can switch without missing a delivery.
    /// </summary>
    Task<RotatedWebhookSecret> RotateSecretAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>GET /api/webhooks/{id}/deliveries</c>: the delivery log, newest first (<paramref name="limit"/> 1 to 200,
    /// default 50).
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> GetDeliveriesAsync(string id, int? limit = null, CancellationToken cancellationToken = default);
}
