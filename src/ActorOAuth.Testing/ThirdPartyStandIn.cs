using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Testing;

/// <summary>
/// A stand-in for the third party a vendor's integration calls (a resource server), on a loopback port: it accepts a
/// request only when its <c>Authorization: Bearer</c> token is one the sandbox provider issued and still holds active
/// (checked by RFC 7662 introspection, as real resource servers do), and answers 401 otherwise. Any method and path;
/// a 200 echoes them and the body as JSON (<c>{ "method", "path", "body" }</c>). Point the code under test at
/// <see cref="BaseUrl"/> and read <see cref="Requests"/>.
/// </summary>
public sealed class ThirdPartyStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ThirdPartyRequest> _requests;

    private ThirdPartyStandIn(WebApplication app, string baseUrl, ConcurrentQueue<ThirdPartyRequest> requests)
    {
        _app = app;
        BaseUrl = baseUrl;
        _requests = requests;
    }

    /// <summary>Where the stand-in listens, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>Every request received, in order, with the token it carried and the status it got.</summary>
    public IReadOnlyList<ThirdPartyRequest> Requests => [.. _requests];

    /// <summary>Starts a stand-in that trusts the tokens of <paramref name="sandbox"/>.</summary>
    public static async Task<ThirdPartyStandIn> StartAsync(RunningSandbox sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var url = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var requests = new ConcurrentQueue<ThirdPartyRequest>();
        app.Run(async http =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync(http.RequestAborted);
            var token = AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
                && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) ? header.Parameter : null;
            var accepted = token is not null && await sandbox.IsActiveAsync(token);
            var status = accepted ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized;
            requests.Enqueue(new ThirdPartyRequest(http.Request.Method, http.Request.Path + http.Request.QueryString, token, body, status));
            http.Response.StatusCode = status;
            if (!accepted)
            {
                http.Response.Headers.WWWAuthenticate = token is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                return;
            }

            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(JsonSerializer.Serialize(new { method = http.Request.Method, path = http.Request.Path.Value, body }), http.RequestAborted);
        });
        await app.StartAsync();
        return new ThirdPartyStandIn(app, url, requests);
    }

    /// <summary>Stops the stand-in.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the <see cref="ThirdPartyStandIn"/> received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path and query string.</param>
/// <param name="AccessToken">The bearer token it carried, or null.</param>
/// <param name="Body">The request body (empty when none).</param>
/// <param name="Status">What the stand-in answered: 200, or 401 for a missing, unknown or revoked token.</param>
public sealed record ThirdPartyRequest(string Method, string PathAndQuery, string? AccessToken, string Body, int Status);
