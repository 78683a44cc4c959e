using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;

namespace ActorOAuth.Cluster.Tests;

/// <summary>Drives the HTTP API like a customer's backend and browser would.</summary>
public sealed class ApiSession(string baseUrl, string apiKey) : IDisposable
{
    private readonly HttpClient _http = CreateClient(baseUrl, apiKey);

    public static object Settings(string providerBaseUrl) => new
    {
        authorizeUrl = providerBaseUrl + "/connect/authorize",
        tokenUrl = providerBaseUrl + "/connect/token",
        revokeUrl = providerBaseUrl + "/connect/revoke",
        clientId = RunningSandbox.ClientId,
        clientSecret = RunningSandbox.ClientSecret,
        scopes = new[] { "files.read", "offline_access" },
    };

    public async Task PutAsync(string id, string providerBaseUrl) =>
        (await _http.PutAsJsonAsync($"/api/connections/{id}", Settings(providerBaseUrl))).EnsureSuccessStatusCode();

    /// <summary>PUT, authorize, approve at the provider's consent page, follow the redirect to /callback.</summary>
    public async Task ConnectAsync(string id, string providerBaseUrl)
    {
        await PutAsync(id, providerBaseUrl);
        var authorize = await _http.PostAsJsonAsync($"/api/connections/{id}/authorize", new { });
        authorize.EnsureSuccessStatusCode();
        var url = (await authorize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
        var callback = await RunningSandbox.ConsentAsync(url, approve: true);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var page = await browser.GetAsync(callback);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"callback answered {(int)page.StatusCode}: {html}");
        Assert.Contains("Authorization completed successfully", html);
    }

    /// <summary>POST /token; the access token, or null with the status when it failed.</summary>
    public async Task<(HttpStatusCode Status, string? AccessToken)> TokenAsync(string id, TimeSpan? timeout = null, bool forceRefresh = false)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var response = await _http.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh }, limit.Token);
        if (!response.IsSuccessStatusCode)
        {
            return (response.StatusCode, null);
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(limit.Token);
        return (response.StatusCode, body.GetProperty("accessToken").GetString());
    }

    public async Task<string> RequireTokenAsync(string id)
    {
        var (status, token) = await TokenAsync(id);
        Assert.True(token is not null, $"token for {id}: {(int)status}");
        return token!;
    }

    public Task<JsonElement> GetAsync(string id) => GetJsonAsync($"/api/connections/{id}");

    public Task<JsonElement> LogsAsync(string id) => GetJsonAsync($"/api/connections/{id}/logs?limit=200");

    public Task<JsonElement> ListAsync() => GetJsonAsync("/api/connections?limit=200");

    public async Task ReportErrorAsync(string id) =>
        (await _http.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "http_403", message = "403 from the provider" })).EnsureSuccessStatusCode();

    public async Task DisconnectAsync(string id) =>
        (await _http.PostAsync($"/api/connections/{id}/disconnect", null)).EnsureSuccessStatusCode();

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<HttpStatusCode> StatusOfAsync(string path) => (await _http.GetAsync(path)).StatusCode;

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout}: {what}");
            }

            await Task.Delay(250);
        }
    }

    public void Dispose() => _http.Dispose();

    private static HttpClient CreateClient(string baseUrl, string apiKey)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }
}
