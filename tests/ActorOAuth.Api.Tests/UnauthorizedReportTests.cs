using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// <c>POST /errors</c> with code <c>unauthorized</c> (the third party answered 401): the connection is errored, then
/// one forced refresh at the real sandbox recovers it, or leaves it errored when the grant is gone.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class UnauthorizedReportTests(ApiFixture fixture)
{
    [Fact]
    public async Task An_unauthorized_report_errors_the_connection_and_one_forced_refresh_recovers_it()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await fixture.ConnectAsync(api, id);
        var refreshToken = RefreshToken(id);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        var reported = await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized", message = "401 from the API" });

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        Assert.Equal("configured", view.GetProperty("status").GetString());
        Assert.Equal(["recovered", "token_refreshed", "error_reported"], await Newest(api, id, 3));
        var token = (await (await api.PostAsync($"/api/connections/{id}/token", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        Assert.True(await fixture.Sandbox.IsActiveAsync(token));
    }

    [Fact]
    public async Task An_unauthorized_report_stays_errored_when_the_forced_refresh_fails()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await fixture.ConnectAsync(api, id);
        var refreshToken = RefreshToken(id);
        await fixture.Sandbox.RevokeAsync(refreshToken);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        var reported = await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized", message = "401 from the API" });

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        Assert.Equal("errored", view.GetProperty("status").GetString());
        Assert.Equal("invalid_grant", view.GetProperty("lastError").GetProperty("code").GetString());
        Assert.Equal(["refresh_failed", "error_reported"], await Newest(api, id, 2));
    }

    [Fact]
    public async Task Unauthorized_reports_moments_after_a_refresh_recover_without_another_provider_call()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await fixture.ConnectAsync(api, id);
        var exchanged = RefreshToken(id, "authorization_code");

        // Tokens a code exchange issued moments ago may be the very ones refused: the first report refreshes.
        Assert.Equal(HttpStatusCode.NoContent, (await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized" })).StatusCode);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(exchanged));
        var refreshed = RefreshToken(id, "refresh_token");

        // Within the forced-refresh debounce of that refresh: the execution saw the older token.
        var reported = await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized" });

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(exchanged));
        Assert.Equal(0, fixture.ProviderCalls.RefreshCallsWith(refreshed));
        Assert.Equal("configured", (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("status").GetString());
        Assert.Equal(["recovered", "error_reported"], await Newest(api, id, 2));
    }

    /// <summary>The refresh token the sandbox issued last to the connection (by a code exchange or a refresh).</summary>
    private string RefreshToken(string id, string grantType = "authorization_code")
    {
        var call = fixture.ProviderCalls.Calls.Last(c => c.GrantType == grantType);
        using var json = JsonDocument.Parse(call.ResponseBody!);
        return json.RootElement.GetProperty("refresh_token").GetString()!;
    }

    private static async Task<List<string>> Newest(HttpClient api, string id, int count) =>
        [.. (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}/logs?limit={count}")).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event").GetString()!)];
}
