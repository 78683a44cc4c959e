using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using ActorOAuth.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>One attempt's request: where, and the exact headers and body to send.</summary>
public sealed record WebhookRequest(string Url, string Id, long Timestamp, string Signature, string Body);

/// <summary>How one attempt went: a status code (any answer), or an error word when there was none.</summary>
public sealed record WebhookAttemptResult(int? StatusCode, string? Error, TimeSpan? RetryAfter)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one webhook attempt over its own HttpClient: the provider URL policy checks the URL, and the connect step
/// (<see cref="GuardedConnector"/>) every address it resolves to, so a webhook cannot reach a private network either;
/// no redirects are followed, at most <see cref="WebhookOptions.MaxResponseBytes"/> of the answer is read (and
/// discarded), and the attempt is limited to <see cref="WebhookOptions.AttemptTimeout"/> on the real clock.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, ProviderUrlPolicy urls, IOptions<WebhookOptions> options, TimeProvider time)
{
    public const string HttpClientName = "ActorOAuth.Webhooks";

    public async Task<WebhookAttemptResult> Send(WebhookRequest request)
    {
        if (urls.FormProblem(request.Url) is not null)
        {
            return new(null, "address_refused", null);
        }

        using var timeout = new CancellationTokenSource(options.Value.AttemptTimeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
            {
                Content = new StringContent(request.Body, Encoding.UTF8, "application/json"),
            };
            message.Headers.TryAddWithoutValidation("webhook-id", request.Id);
            message.Headers.TryAddWithoutValidation("webhook-timestamp", request.Timestamp.ToString(CultureInfo.InvariantCulture));
            message.Headers.TryAddWithoutValidation("webhook-signature", request.Signature);
            using var client = clients.CreateClient(HttpClientName);
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await Drain(response, timeout.Token);
            return new((int)response.StatusCode, response.IsSuccessStatusCode ? null : $"http_{(int)response.StatusCode}", RetryAfter(response.Headers.RetryAfter));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return new(null, Classify(e), null);
        }
    }

    /// <summary>Registers the webhook HttpClient: guarded connects, no redirects, no cookies, the attempt limit owned by <see cref="Send"/>.</summary>
    public static void AddHttpClient(IServiceCollection services) =>
        services.AddHttpClient(HttpClientName, client =>
            {
                client.DefaultRequestHeaders.UserAgent.ParseAdd("ActorOAuth-Webhooks/1.0");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxResponseHeadersLength = 16,
                ConnectCallback = services.GetRequiredService<GuardedConnector>().ConnectAsync,
            });

    /// <summary>Reads what the receiver sent up to the limit (so a small answer frees the connection for reuse), then stops.</summary>
    private async Task Drain(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var left = options.Value.MaxResponseBytes;
        if (left == 0 || response.Content.Headers.ContentLength > left)
        {
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[Math.Min(left, 4096)];
        int read;
        while (left > 0 && (read = await body.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, left)), cancellationToken)) > 0)
        {
            left -= read;
        }
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);

    private static string Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ProviderAddressRefusedException)
            {
                return "address_refused";
            }
        }

        return exception is OperationCanceledException ? "timeout" : "network_error";
    }
}
