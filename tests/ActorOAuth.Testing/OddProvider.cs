using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Testing;

/// <summary>
/// A token endpoint that misbehaves in ways no real server here shows: it redirects the token request,
/// or answers with an oversized body. Loopback only.
/// </summary>
public sealed class OddProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OddProvider(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    /// <summary>Answers every POST with a 302 to <c>target</c> (given in the query).</summary>
    public string RedirectingTokenUrl(string target) => $"{BaseUrl}/redirect?target={Uri.EscapeDataString(target)}";

    /// <summary>Answers with a 1 MiB JSON token response.</summary>
    public string OversizedTokenUrl => BaseUrl + "/oversized";

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
        await app.StartAsync();
        return new OddProvider(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
