using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace ActorOAuth.Api.Tests.Catalog;

/// <summary>
/// The real API on Kestrel (embedded default) with the built-in catalog's entries pointed at a local stand-in of each
/// provider family through the operator's URL overrides (<c>ActorOAuth:Providers:{id}:TokenUrl</c> …), and an added
/// entry of the operator's own. Every API response but the token hand-outs, and every log line, is kept for the leak scan.
/// </summary>
public sealed class CatalogFixture : IAsyncLifetime
{
    public const string Key = "key-catalog";
    private static int _next;
    private readonly ConcurrentQueue<string> _responses = new();
    private WebApplication _app = null!;

    public string BaseUrl { get; private set; } = "";

    public ProviderStandIn StandIn { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public LogCapture Logs { get; } = new();

    /// <summary>Every API response body so far, but the token hand-outs (whose job is to carry the access token).</summary>
    public IReadOnlyCollection<string> Responses => _responses;

    public static string NewId(string what) => $"{what}-{Interlocked.Increment(ref _next)}";

    public async Task InitializeAsync()
    {
        StandIn = await ProviderStandIn.StartAsync();
        BaseUrl = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        string[] overrides =
        [
            .. StandIn.Overrides("slack"),
            .. StandIn.Overrides("quickbooks"),
            .. StandIn.Overrides("dropbox"),
            .. StandIn.Overrides("github", revoke: false),
            $"--ActorOAuth:Providers:github:RevokeUrl={StandIn.Url("github", "revoke")}/{{clientId}}",
            .. StandIn.Overrides("salesforce", "{host}"),
            .. StandIn.Overrides("notion"),
            .. StandIn.Overrides("zendesk", "{subdomain}"),
            .. StandIn.Overrides("microsoft", "{tenant}", revoke: false),
            .. StandIn.Overrides("google"),
            .. StandIn.Overrides("shopify", "{shop}", revoke: false),
            .. StandIn.Overrides("docusign", "{accountHost}", revoke: false),
            // An entry of the operator's own: an RFC 6749 provider with RFC 7009 revocation, templated.
            "--ActorOAuth:Providers:acme:Name=Acme Identity",
            $"--ActorOAuth:Providers:acme:AuthorizeUrl={StandIn.Url("google", "authorize")}/{{region}}",
            $"--ActorOAuth:Providers:acme:TokenUrl={StandIn.Url("google", "token")}/{{region}}",
            $"--ActorOAuth:Providers:acme:RevokeUrl={StandIn.Url("google", "revoke")}/{{region}}",
        ];
        _app = ActorOAuthApp.Build(
        [
            "--environment=Development",
            $"--urls={BaseUrl}",
            $"--ActorOAuth:PublicBaseUrl={BaseUrl}",
            "--ActorOAuth:Sandbox:Enabled=false",
            $"--ActorOAuth:ApiKeys:{Key}=tenant-catalog",
            $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
            $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
            .. overrides,
        ], builder =>
        {
            builder.Logging.AddProvider(Logs);
            builder.Services.AddSingleton<TimeProvider>(Time);
            builder.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
        });
        await _app.StartAsync();
    }

    /// <summary>An API client of the catalog tenant that never follows redirects and keeps every response but token hand-outs.</summary>
    public HttpClient Client()
    {
        var client = new HttpClient(new Recorder(_responses)) { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    /// <summary>
    /// Saves the integration (when given) and the connection, authorizes, follows the stand-in's consent redirect to
    /// <c>/callback</c> like a browser; returns the callback's response.
    /// </summary>
    public async Task<HttpResponseMessage> ConnectAsync(HttpClient api, string connectionId, object connection, string? integrationId = null, object? integration = null)
    {
        if (integrationId is not null)
        {
            await Ok(await api.PutAsJsonAsync($"/api/integrations/{integrationId}", integration));
        }

        await Ok(await api.PutAsJsonAsync($"/api/connections/{connectionId}", connection));
        var authorize = await Ok(await api.PostAsJsonAsync($"/api/connections/{connectionId}/authorize", new { }));
        var url = (await authorize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var consent = await browser.GetAsync(url);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        var callback = await browser.GetAsync(consent.Headers.Location);
        _responses.Enqueue(await callback.Content.ReadAsStringAsync());
        return callback;
    }

    /// <summary>The response, after asserting it succeeded (its body in the message when not).</summary>
    public static async Task<HttpResponseMessage> Ok(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>
    /// No token, code or client secret the stand-in issued or accepted appears in any log line or API response so far
    /// (token hand-outs aside).
    /// </summary>
    public void AssertNothingLeaked()
    {
        var secrets = StandIn.Secrets;
        Assert.Contains(ProviderStandIn.ClientSecret, secrets);
        SecretLeakTests.AssertNoneLeaked(secrets, Logs.Lines, Responses);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await StandIn.DisposeAsync();
    }

    private sealed class Recorder(ConcurrentQueue<string> bodies) : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            if (!(request.RequestUri!.AbsolutePath.EndsWith("/token", StringComparison.Ordinal) && response.IsSuccessStatusCode))
            {
                bodies.Enqueue(await response.Content.ReadAsStringAsync(cancellationToken));
            }

            return response;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CatalogCollection : ICollectionFixture<CatalogFixture>
{
    public const string Name = "catalog";
}
