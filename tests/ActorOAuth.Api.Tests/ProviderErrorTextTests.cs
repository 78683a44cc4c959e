using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// A provider's <c>error</c> and <c>error_description</c> are its own words, shown in the connection's log and
/// <c>lastError</c> and written to ActorOAuth's log output: line breaks and terminal escape sequences in them must
/// reach none of those (no forged log line, no cleared screen).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProviderErrorTextTests(ApiFixture fixture) : IAsyncLifetime
{
    private const string HostileError = """{"error":"invalid_request\r\nINFO ActorOAuth: forged line\u001b[2J","error_description":"Denied.\r\n\u001b[31mred\u001b[0m\tand \"quoted\" \\ caf\u00e9"}""";

    /// <summary>What the code becomes: each character outside RFC 6749's error set replaced with '_'.</summary>
    private const string SanitizedCode = "invalid_request__INFO ActorOAuth: forged line_[2J";

    private const string SanitizedDescription = "Denied.___[31mred_[0m_and _quoted_ _ caf_";

    private static readonly char[] Forbidden = ['\r', '\n', '\u001b'];

    private OddProvider _odd = null!;

    [Fact]
    public async Task Line_breaks_and_escape_sequences_in_a_providers_error_reach_no_log_line_connection_log_or_last_error()
    {
        using var api = fixture.Client();
        var errorUrl = _odd.Answering(HostileError, status: 400);
        var logged = fixture.Logs.Entries.Count;

        // The code exchange fails with the hostile error.
        var exchanged = ApiFixture.NewId();
        var page = await fixture.ConnectAsync(api, exchanged, settings: Settings(tokenUrl: errorUrl));
        Assert.Equal(HttpStatusCode.BadGateway, page.StatusCode);
        Assert.DoesNotContain('\u001b', await page.Content.ReadAsStringAsync());

        // A refresh fails with it, then both revocations do (the one path that also writes ActorOAuth's own log).
        var refreshed = ApiFixture.NewId();
        Assert.Equal(HttpStatusCode.OK, (await fixture.ConnectAsync(api, refreshed, settings: Settings(revokeUrl: errorUrl))).StatusCode);
        (await api.PutAsJsonAsync($"/api/connections/{refreshed}", Settings(tokenUrl: errorUrl, revokeUrl: errorUrl))).EnsureSuccessStatusCode();
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsJsonAsync($"/api/connections/{refreshed}/token", new { forceRefresh = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/connections/{refreshed}/disconnect", null)).StatusCode);

        foreach (var (id, events) in new[] { (exchanged, new[] { "token_exchange_failed" }), (refreshed, ["revoke_failed", "revoke_failed", "refresh_failed"]) })
        {
            var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
            var lastError = view.GetProperty("lastError");
            Assert.Equal(SanitizedCode, lastError.GetProperty("code").GetString());
            Assert.Equal(SanitizedDescription, lastError.GetProperty("message").GetString());
            var log = (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs?limit=200")).GetProperty("items").EnumerateArray().ToList();
            Assert.All(log, entry => Assert.Equal(-1, entry.GetProperty("message").GetString()!.IndexOfAny(Forbidden)));
            foreach (var e in events)
            {
                Assert.Contains(log, entry => entry.GetProperty("event").GetString() == e && entry.GetProperty("message").GetString()!.Contains(SanitizedCode));
            }
        }

        var lines = fixture.Logs.Entries.Skip(logged).ToList();
        Assert.Contains(lines, line => line.Message.Contains("revoking the refresh_token failed with " + SanitizedCode));
        Assert.All(lines, line => Assert.All(line.Texts(), text => Assert.True(text.IndexOfAny(Forbidden) < 0, $"{line.Category}: {text}")));
    }

    [Fact]
    public async Task Line_breaks_and_escape_sequences_in_the_callbacks_error_reach_no_log_line_connection_log_last_error_or_page()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{id}", Settings())).EnsureSuccessStatusCode();
        var authorize = await api.PostAsync($"/api/connections/{id}/authorize", null);
        Assert.True(authorize.IsSuccessStatusCode, await authorize.Content.ReadAsStringAsync());
        var start = await authorize.Content.ReadFromJsonAsync<JsonElement>();
        var consented = await RunningSandbox.ConsentAsync(start.GetProperty("authorizationUrl").GetString()!, approve: true);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(consented.Query);
        var logged = fixture.Logs.Entries.Count;
        using var browser = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };

        var page = await browser.GetAsync("/callback?state=" + Uri.EscapeDataString(query["state"].ToString()) + "&iss=" + Uri.EscapeDataString(query["iss"].ToString())
            + "&error=" + Uri.EscapeDataString("server_error\r\nINFO forged\u001b[2J")
            + "&error_description=" + Uri.EscapeDataString("No.\r\n\u001b[31mred"));

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain('\u001b', html);
        Assert.DoesNotContain("\nINFO forged", html);
        var lastError = (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("lastError");
        Assert.Equal("server_error__INFO forged_[2J", lastError.GetProperty("code").GetString());
        Assert.Equal("No.___[31mred", lastError.GetProperty("message").GetString());
        var log = (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs")).GetProperty("items").EnumerateArray();
        Assert.All(log, entry => Assert.Equal(-1, entry.GetProperty("message").GetString()!.IndexOfAny(Forbidden)));
        Assert.All(fixture.Logs.Entries.Skip(logged), line => Assert.All(line.Texts(), text => Assert.True(text.IndexOfAny(Forbidden) < 0, $"{line.Category}: {text}")));
    }

    private object Settings(string? tokenUrl = null, string? revokeUrl = null) => new
    {
        provider = "sandbox",
        tokenUrl,
        revokeUrl,
        clientId = RunningSandbox.ClientId,
        clientSecret = RunningSandbox.ClientSecret,
        scopes = new[] { "files.read", "offline_access" },
    };

    public async Task InitializeAsync() => _odd = await OddProvider.StartAsync();

    public async Task DisposeAsync() => await _odd.DisposeAsync();
}
