using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Testing;

/// <summary>
/// A token endpoint that misbehaves in ways no real server here shows: it redirects the token request,
/// answers with an oversized body, or with whatever body a test gives it. Loopback only.
/// </summary>
public sealed class OddProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<int, (int Status, string Json)> _answers;
    private int _nextAnswer;

    private OddProvider(WebApplication app, string baseUrl, ConcurrentDictionary<int, (int Status, string Json)> answers)
    {
        _app = app;
        BaseUrl = baseUrl;
        _answers = answers;
    }

    /// <summary>Where it listens (loopback, no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>Answers every POST with a 302 to <c>target</c> (given in the query).</summary>
    public string RedirectingTokenUrl(string target) => $"{BaseUrl}/redirect?target={Uri.EscapeDataString(target)}";

    /// <summary>Answers with a 1 MiB JSON token response.</summary>
    public string OversizedTokenUrl => BaseUrl + "/oversized";

    /// <summary>
    /// An endpoint (token or revocation) that answers every POST with <paramref name="status"/> and the JSON
    /// <paramref name="json"/>, e.g. a token response that breaks RFC 6749's syntax or an error full of control characters.
    /// </summary>
    public string Answering(string json, int status = 200)
    {
        var n = Interlocked.Increment(ref _nextAnswer);
        _answers[n] = (status, json);
        return $"{BaseUrl}/answer/{n}";
    }

    /// <summary>Starts it on a free loopback port.</summary>
    public static async Task<OddProvider> StartAsync()
    {
        var url = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/redirect", (string target) => Results.Redirect(target));
        app.MapPost("/oversized", () => Results.Text(
            "{\"access_token\":\"" + new string('a', 1024 * 1024) + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}", "application/json"));
        var answers = new ConcurrentDictionary<int, (int Status, string Json)>();
        app.MapPost("/answer/{n:int}", (int n) => answers.TryGetValue(n, out var answer)
            ? Results.Text(answer.Json, "application/json", statusCode: answer.Status)
            : Results.NotFound());
        await app.StartAsync();
        return new OddProvider(app, url, answers);
    }

    /// <summary>Stops it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
