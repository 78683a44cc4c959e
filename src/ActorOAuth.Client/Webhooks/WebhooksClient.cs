using System.Globalization;
using System.Net;

namespace ActorOAuth.Client.Webhooks;

/// <inheritdoc />
internal sealed class WebhooksClient(ActorOAuthHttp http) : IWebhooksClient
{
    private const string Base = "api/webhooks";

    public async Task<SavedWebhook> PutAsync(string id, WebhookSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (response, status) = await http.SendWithStatusAsync<WebhookResponse>(HttpMethod.Put, One(id), settings, cancellationToken);
        return new SavedWebhook(response.View(), status == HttpStatusCode.Created, response.Secret);
    }

    public async Task<WebhookView> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await http.SendAsync<WebhookResponse>(HttpMethod.Get, One(id), null, cancellationToken)).View();

    public async Task<IReadOnlyList<WebhookView>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await http.SendAsync<ListResponse>(HttpMethod.Get, Base, null, cancellationToken)).Items.Select(w => w.View())];

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Delete, One(id), null, cancellationToken);

    public async Task<RotatedWebhookSecret> RotateSecretAsync(string id, CancellationToken cancellationToken = default)
    {
        var response = await http.SendAsync<WebhookResponse>(HttpMethod.Post, One(id) + "/rotate-secret", null, cancellationToken);
        return new RotatedWebhookSecret(response.View(), response.Secret
            ?? throw new ActorOAuthProblemException(HttpStatusCode.OK, null, null, "No secret", "The API answered a rotation without the new secret."));
    }

    public async Task<IReadOnlyList<WebhookDelivery>> GetDeliveriesAsync(string id, int? limit = null, CancellationToken cancellationToken = default)
    {
        var path = One(id) + "/deliveries" + (limit is { } n ? "?limit=" + n.ToString(CultureInfo.InvariantCulture) : "");
        return (await http.SendAsync<DeliveriesResponse>(HttpMethod.Get, path, null, cancellationToken)).Items;
    }

    private static string One(string id) => Base + "/" + ActorOAuthHttp.Segment(id);

    /// <summary>The API's answer: the view, and the secret only when it was just created or rotated.</summary>
    private sealed record WebhookResponse(
        string Id, string Url, IReadOnlyList<string>? Events, string? Secret, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PreviousSecretExpiresAt)
    {
        public WebhookView View() => new()
        {
            Id = Id,
            Url = Url,
            Events = Events,
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            PreviousSecretExpiresAt = PreviousSecretExpiresAt,
        };
    }

    private sealed record ListResponse(IReadOnlyList<WebhookResponse> Items);

    private sealed record DeliveriesResponse(IReadOnlyList<WebhookDelivery> Items);
}
