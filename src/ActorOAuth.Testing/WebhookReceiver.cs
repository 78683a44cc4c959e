using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Testing;

/// <summary>
/// A vendor's webhook receiver: real Kestrel on a loopback port, recording every request it gets (headers and body as
/// sent) and answering each with the next status queued (<see cref="AnswerNext"/>), else <see cref="DefaultStatus"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _answers = new();

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where to register the receiver (<c>http://127.0.0.1:{port}/hooks</c>).</summary>
    public string Url { get; }

    /// <summary>What every request not answered from the queue gets. Default 200.</summary>
    public int DefaultStatus { get; set; } = 200;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>Starts a receiver on a free loopback port; <paramref name="time"/> stamps what it receives (default: the system clock).</summary>
    public static async Task<WebhookReceiver> StartAsync(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var port = RunningSandbox.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, $"http://127.0.0.1:{port}/hooks");
        app.MapPost("/hooks", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            receiver._received.Enqueue(new ReceivedWebhook(time.GetUtcNow(), headers, body));
            var (status, retryAfter) = receiver._answers.TryDequeue(out var next) ? next : (receiver.DefaultStatus, null);
            if (retryAfter is not null)
            {
                http.Response.Headers.RetryAfter = retryAfter;
            }

            http.Response.StatusCode = status;
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The next requests get these statuses, in order (with a <c>Retry-After</c> when given).</summary>
    public void AnswerNext(int status, string? retryAfter = null) => _answers.Enqueue((status, retryAfter));

    /// <summary>Requests for one event (its <c>webhook-id</c>), oldest first.</summary>
    public IReadOnlyList<ReceivedWebhook> For(string eventId) => [.. _received.Where(r => r.Id == eventId)];

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>One request a receiver got.</summary>
public sealed record ReceivedWebhook(DateTimeOffset At, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Id => Headers.GetValueOrDefault("webhook-id") ?? "";

    public long Timestamp => long.Parse(Headers.GetValueOrDefault("webhook-timestamp") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    public string Signature => Headers.GetValueOrDefault("webhook-signature") ?? "";

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;

    /// <summary>The headers as ASP.NET Core holds them, which the Standard Webhooks library verifies.</summary>
    public HeaderDictionary HttpHeaders() => new(Headers.ToDictionary(h => h.Key, h => new Microsoft.Extensions.Primitives.StringValues(h.Value)));
}
