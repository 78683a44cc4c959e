using System.Net;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests;

/// <summary>Per-address rate limits behind a proxy: X-Forwarded-For counts only when it comes from a configured proxy.</summary>
[Collection(OwnHosts.Name)]
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task Behind_a_configured_proxy_each_customer_address_gets_its_own_callback_limit()
    {
        await using var api = await StartAsync("--ActorOAuth:ForwardedHeaders:KnownNetworks:0=127.0.0.0/8");

        Assert.Equal(HttpStatusCode.BadRequest, await CallbackFrom(api, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.BadRequest, await CallbackFrom(api, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallbackFrom(api, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.BadRequest, await CallbackFrom(api, "203.0.113.8"));
        // Through two proxies of the configured network the first address that is not one is the customer's.
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallbackFrom(api, "203.0.113.7, 127.0.0.9"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("--ActorOAuth:ForwardedHeaders:KnownNetworks:0=10.0.0.0/8")]
    [InlineData("--ActorOAuth:ForwardedHeaders:KnownProxies:0=10.1.2.3")]
    public async Task A_forwarded_address_from_anyone_but_a_configured_proxy_is_ignored(string? proxies)
    {
        await using var api = await StartAsync(proxies);

        Assert.Equal(HttpStatusCode.BadRequest, await CallbackFrom(api, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.BadRequest, await CallbackFrom(api, "203.0.113.8"));
        // Every request counted under the connection's own (loopback) address, whatever it claimed.
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallbackFrom(api, "203.0.113.9"));
    }

    [Theory]
    [InlineData("KnownNetworks", "10.0.0.0/33", "ActorOAuth:ForwardedHeaders:KnownNetworks:0 '10.0.0.0/33' is not a CIDR range")]
    [InlineData("KnownProxies", "proxy.internal", "ActorOAuth:ForwardedHeaders:KnownProxies:0 'proxy.internal' is not an IP address")]
    public void A_proxy_setting_that_does_not_parse_stops_the_api_naming_its_key(string list, string value, string message)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => ActorOAuthApp.Build(
        [
            "--environment=Production",
            "--Logging:LogLevel:Default=None",
            $"--ActorOAuth:ForwardedHeaders:{list}:0={value}",
        ]));

        Assert.Contains(message, refused.Message);
    }

    private static async Task<HttpStatusCode> CallbackFrom(RunningApi api, string forwardedFor)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, api.BaseUrl + "/callback");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static Task<RunningApi> StartAsync(string? extra) => RunningApi.StartAsync(
    [
        "--environment=Production",
        "--ActorOAuth:RateLimits:CallbackRequestsPerMinute=2",
        .. extra is null ? Array.Empty<string>() : [extra],
    ]);
}

/// <summary>The API on its own loopback port with the given settings (co-hosted silo on free ports), for tests that need settings of their own.</summary>
public sealed class RunningApi : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;

    private RunningApi(Microsoft.AspNetCore.Builder.WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RunningApi> StartAsync(string[] settings)
    {
        var baseUrl = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        var app = ActorOAuthApp.Build([$"--urls={baseUrl}", $"--ActorOAuth:PublicBaseUrl={baseUrl}", "--Logging:LogLevel:Default=Warning", .. settings]);
        await app.StartAsync();
        return new RunningApi(app, baseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Tests that start hosts of their own take turns, so they add one host at a time to the machine's load.</summary>
[CollectionDefinition(Name)]
public sealed class OwnHosts
{
    public const string Name = "own hosts";
}
