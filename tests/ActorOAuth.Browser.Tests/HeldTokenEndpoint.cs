using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Browser.Tests;

/// <summary>
/// A slow provider: the sandbox's token endpoint behind a gate. A token request waits until the test opens the gate,
/// then goes to the real sandbox and its answer comes back unchanged. Loopback only.
/// </summary>
public sealed class HeldTokenEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private TaskCompletionSource _gate = NewGate();
    private TaskCompletionSource _arrived = NewGate();

    private HeldTokenEndpoint(WebApplication app, string url)
    {
        _app = app;
        TokenUrl = url;
    }

    public string TokenUrl { get; }

    /// <summary>Completes when a token request is waiting at the gate.</summary>
    public Task Arrived => _arrived.Task;

    public static async Task<HeldTokenEndpoint> StartAsync(string sandboxTokenUrl)
    {
        var url = $"http://127.0.0.1:{Testing.RunningSandbox.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        HeldTokenEndpoint? self = null;
        app.MapPost("/token", async (HttpContext http) =>
        {
            self!._arrived.TrySetResult();
            await self._gate.Task;
            using var client = new HttpClient();
            using var forward = new HttpRequestMessage(HttpMethod.Post, sandboxTokenUrl) { Content = new StreamContent(http.Request.Body) };
            forward.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(http.Request.ContentType!);
            if (http.Request.Headers.Authorization is { Count: 1 } authorization)
            {
                forward.Headers.TryAddWithoutValidation("Authorization", authorization.ToString());
            }

            using var answer = await client.SendAsync(forward);
            http.Response.StatusCode = (int)answer.StatusCode;
            http.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            await answer.Content.CopyToAsync(http.Response.Body);
        });
        await app.StartAsync();
        self = new HeldTokenEndpoint(app, url + "/token");
        return self;
    }

    /// <summary>Lets waiting and later token requests through.</summary>
    public void Open() => _gate.TrySetResult();

    /// <summary>Holds the next token requests again.</summary>
    public void Close()
    {
        _gate = NewGate();
        _arrived = NewGate();
    }

    public async ValueTask DisposeAsync()
    {
        Open();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
