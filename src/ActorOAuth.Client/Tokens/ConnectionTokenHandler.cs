using System.Net;
using System.Net.Http.Headers;

namespace ActorOAuth.Client.Tokens;

/// <summary>
/// Attaches a connection's access token to every request. When the third party answers 401, the token is reported
/// (<c>POST /errors</c>, code <c>unauthorized</c>), a refreshed one fetched, and the request sent once more with it;
/// a second 401 is returned as it is. Request content is buffered first, so it can be sent again.
/// </summary>
internal sealed class ConnectionTokenHandler(ConnectionTokenCache tokens, string connectionId) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        var token = await tokens.GetAsync(connectionId, cancellationToken);
        Attach(request, token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var message = $"{(int)response.StatusCode} from {request.RequestUri?.Host ?? "the third party"}";
        response.Dispose();
        var renewed = await tokens.RenewAfterUnauthorizedAsync(connectionId, token, message, cancellationToken);
        Attach(request, renewed);
        return await base.SendAsync(request, cancellationToken);
    }

    private static void Attach(HttpRequestMessage request, ConnectionToken token) =>
        request.Headers.Authorization = new AuthenticationHeaderValue(
            string.Equals(token.TokenType, "bearer", StringComparison.OrdinalIgnoreCase) ? "Bearer" : token.TokenType, token.AccessToken);
}
