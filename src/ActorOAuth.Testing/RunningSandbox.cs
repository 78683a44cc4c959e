using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorOAuth.Sandbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Testing;

/// <summary>The real sandbox authorization server on a loopback port, and a browser-like client for its consent page.</summary>
public sealed partial class RunningSandbox : IAsyncDisposable
{
    /// <summary>The id of the sandbox's one registered client.</summary>
    public const string ClientId = "actoroauth";
    /// <summary>The secret of that client.</summary>
    public const string ClientSecret = "sandbox-secret";

    private readonly WebApplication _app;

    private RunningSandbox(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Where the sandbox listens, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash); also its issuer without the slash.</summary>
    public string BaseUrl { get; }

    /// <summary>The authorization endpoint (the consent page).</summary>
    public string AuthorizeUrl => BaseUrl + SandboxServer.AuthorizationPath;

    /// <summary>The token endpoint.</summary>
    public string TokenUrl => BaseUrl + SandboxServer.TokenPath;

    /// <summary>The RFC 7009 revocation endpoint.</summary>
    public string RevokeUrl => BaseUrl + SandboxServer.RevocationPath;

    /// <summary>Counts of the requests the sandbox received, by endpoint and grant type.</summary>
    public SandboxStats Stats => _app.Services.GetRequiredService<SandboxStats>();

    /// <summary>Starts a sandbox that accepts <paramref name="redirectUris"/>; refresh tokens die at once when rotated.</summary>
    public static async Task<RunningSandbox> StartAsync(IEnumerable<string> redirectUris, TimeSpan? accessTokenLifetime = null)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var app = SandboxServer.Build(new SandboxOptions
        {
            Urls = url,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            RedirectUris = [.. redirectUris],
            AccessTokenLifetime = accessTokenLifetime ?? TimeSpan.FromHours(1),
            RefreshTokenReuseLeeway = TimeSpan.Zero,
        });
        await app.StartAsync();
        // The first request builds OpenIddict's and EF Core's models; on a loaded machine that alone can outlast a
        // provider call's timeout, so it is paid here rather than by the first test's discovery or token call.
        using (var warmUp = new HttpClient { Timeout = TimeSpan.FromMinutes(2) })
        {
            (await warmUp.GetAsync(url + "/.well-known/openid-configuration")).EnsureSuccessStatusCode();
            // A code nobody issued: the client is looked up in the database, then the grant refused (400).
            using var token = new HttpRequestMessage(HttpMethod.Post, url + SandboxServer.TokenPath)
            {
                Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "authorization_code"), KeyValuePair.Create("code", "warm-up"),
                    KeyValuePair.Create("redirect_uri", "http://127.0.0.1/warm-up")]),
            };
            token.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
            await warmUp.SendAsync(token);
        }

        return new RunningSandbox(app, url);
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Opens the consent page like a browser and presses Approve or Deny; returns where the provider redirects.</summary>
    public static async Task<Uri> ConsentAsync(string authorizationUrl, bool approve)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler);
        var page = await browser.GetAsync(authorizationUrl);
        var html = await page.Content.ReadAsStringAsync();
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The consent page answered {(int)page.StatusCode}: {html}");
        }

        var action = FormAction().Match(html).Groups[1].Value;
        var fields = HiddenInput().Matches(html)
            .Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)))
            .Append(KeyValuePair.Create(approve ? "submit.approve" : "submit.deny", "1"));
        var target = new Uri(new Uri(authorizationUrl), WebUtility.HtmlDecode(action));
        var answer = await browser.PostAsync(target, new FormUrlEncodedContent(fields));
        if (answer.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther) || answer.Headers.Location is null)
        {
            throw new InvalidOperationException($"Consent answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }

        return answer.Headers.Location;
    }

    /// <summary>RFC 7662 introspection as the ActorOAuth client: whether the token is active.</summary>
    public async Task<bool> IsActiveAsync(string token)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + SandboxServer.IntrospectionPath)
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("token", token)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("active").GetBoolean();
    }

    /// <summary>Revokes a token at the sandbox directly (RFC 7009), as a customer revoking access at the provider would.</summary>
    public async Task RevokeAsync(string token)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, RevokeUrl)
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("token", token)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Tries a refresh token at the sandbox directly; returns the OAuth error code, or null when it worked.</summary>
    public async Task<string?> TryRefreshAsync(string refreshToken)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenUrl)
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "refresh_token"), KeyValuePair.Create("refresh_token", refreshToken)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
        using var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return response.IsSuccessStatusCode ? null : json.RootElement.GetProperty("error").GetString();
    }

    /// <summary>Stops the sandbox.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex("<form[^>]*action=\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();
}
