using System.Collections.Concurrent;
using System.Text.Json;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// The receiving end the provider helper also plays (on the load core): a vendor's webhook receiver at
/// <c>POST /hooks/{tenant}</c> answering 200 at once, which records the first arrival of every <c>webhook-id</c> and its
/// lag behind the event's <c>at</c>; <c>GET /hooks-stats</c>; and an OpenTelemetry collector stand-in at
/// <c>POST /v1/{signal}</c> (OTLP over HTTP) that takes whatever is exported and answers 200.
/// </summary>
internal static class WebhookSink
{
    private static readonly ConcurrentDictionary<string, byte> Seen = new(StringComparer.Ordinal);
    private static readonly List<double> LagsMs = [];
    private static long _requests;
    private static long _duplicates;
    private static long _firstMs;
    private static long _lastMs;
    private static long _otlpRequests;
    private static long _otlpBytes;

    public static void Map(WebApplication app)
    {
        app.MapPost("/hooks/{tenant}", Receive);
        app.MapGet("/hooks-stats", Stats);
        app.MapPost("/v1/{signal}", Collect);
    }

    private static async Task Receive(HttpContext http)
    {
        using var body = await JsonDocument.ParseAsync(http.Request.Body);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Interlocked.Increment(ref _requests);
        var id = http.Request.Headers["webhook-id"].ToString();
        if (Seen.TryAdd(id, 0))
        {
            var at = body.RootElement.GetProperty("at").GetDateTimeOffset().ToUnixTimeMilliseconds();
            lock (LagsMs)
            {
                LagsMs.Add(now - at);
            }

            Interlocked.CompareExchange(ref _firstMs, now, 0);
            Interlocked.Exchange(ref _lastMs, Math.Max(now, Interlocked.Read(ref _lastMs)));
        }
        else
        {
            Interlocked.Increment(ref _duplicates);
        }

        http.Response.StatusCode = 200;
    }

    private static async Task Collect(HttpContext http)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer)) > 0)
        {
            Interlocked.Add(ref _otlpBytes, read);
        }

        Interlocked.Increment(ref _otlpRequests);
        http.Response.ContentType = "application/x-protobuf";
        http.Response.StatusCode = 200;
    }

    private static IResult Stats()
    {
        double[] lags;
        lock (LagsMs)
        {
            lags = [.. LagsMs.Order()];
        }

        double At(double q) => lags.Length == 0 ? 0 : lags[Math.Min(lags.Length - 1, (int)(q * lags.Length))];
        return Results.Json(new WebhookSinkStats(
            Interlocked.Read(ref _requests), Seen.Count, Interlocked.Read(ref _duplicates), Interlocked.Read(ref _firstMs), Interlocked.Read(ref _lastMs),
            At(0.5), At(0.99), lags.Length == 0 ? 0 : lags[^1], Interlocked.Read(ref _otlpRequests), Interlocked.Read(ref _otlpBytes)));
    }
}

/// <summary>What the receiver counted: requests, distinct event ids, repeats, first and last arrival (Unix ms), lag percentiles (ms), OTLP exports.</summary>
internal sealed record WebhookSinkStats(
    long Requests, int Distinct, long Duplicates, long FirstMs, long LastMs, double LagP50Ms, double LagP99Ms, double LagMaxMs, long OtlpRequests, long OtlpBytes);
