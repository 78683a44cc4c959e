using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains;
using ActorOAuth.Grains.Handout;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// The embedded default's hand-out table: a used connection's token is served without a grain call, and whatever
/// changes the connection withdraws it first, so no fetch sent after that change answered gets what it replaced.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TokenHandoutApiTests(ApiFixture fixture)
{
    private static GrainId GrainOf(string id) => GrainId.Create("connection", ConnectionKeys.For("tenant-a", id));

    [Fact]
    public async Task A_used_connections_token_is_handed_out_without_a_grain_call_and_lastUsedAt_stays_exact()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await ConnectAsync(api, id);
        var first = await TokenAsync(api, id);
        var calls = fixture.GrainCalls.Of(GrainOf(id), nameof(IConnectionGrain.GetAccessToken));

        for (var i = 0; i < 20; i++)
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(first, await TokenAsync(api, id));
        }

        Assert.Equal(calls, fixture.GrainCalls.Of(GrainOf(id), nameof(IConnectionGrain.GetAccessToken)));
        Assert.NotNull(fixture.Services.GetRequiredService<HandoutTable>().Find("tenant-a", id));
        var view = await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}");
        Assert.Equal(fixture.Time.GetUtcNow(), view.GetProperty("lastUsedAt").GetDateTimeOffset());
        Assert.Equal("used", view.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_status_change_to_used_is_written_before_the_first_token_goes_out_and_a_repeated_used_entry_is_logged_once_per_interval_without_holding_up_the_fetch()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        await ConnectAsync(api, id);
        Assert.Null(fixture.Services.GetRequiredService<HandoutTable>().Find("tenant-a", id));

        var writes = fixture.Storage.Writes;
        await TokenAsync(api, id);
        Assert.True(fixture.Storage.Writes > writes, "the first fetch wrote the status before the token went out");
        Assert.Equal(1, await ApiFixture.UsedEntriesAsync(api, id));
        for (var i = 0; i < 5; i++)
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(10));
            await TokenAsync(api, id);
        }

        Assert.Equal(1, await ApiFixture.UsedEntriesAsync(api, id));
        var table = fixture.Services.GetRequiredService<HandoutTable>();
        var entry = table.Find("tenant-a", id);
        Assert.NotNull(entry);
        // Due one interval after the last, plus this connection's share of a quarter interval (connections spread out).
        fixture.Time.Advance(new ConnectionOptions().UsedLogInterval * 1.25);
        await TokenAsync(api, id);
        await TokenAsync(api, id);

        // Both fetches were answered from the table; the first told the connection, which logs the entry in its own turn.
        Assert.Same(entry, table.Find("tenant-a", id));
        await ClusterWithSandbox.Eventually(async () => await ApiFixture.UsedEntriesAsync(api, id) == 2, because: "the connection logs the repeated used entry");
        Assert.True(entry.UsedDue > fixture.Time.GetUtcNow(), "the entry's next used entry is due an interval after the one logged");
        await TokenAsync(api, id);
        Assert.Equal(2, await ApiFixture.UsedEntriesAsync(api, id));
    }

    [Theory]
    [InlineData("disconnect")]
    [InlineData("delete")]
    [InlineData("terminal refresh failure")]
    public async Task No_fetch_sent_after_the_connection_lost_its_token_gets_the_old_one(string change)
    {
        using var api = fixture.Client();
        using var other = fixture.Client();
        var id = ApiFixture.NewId();
        var calls = fixture.ProviderCalls.Calls.Count;
        await ConnectAsync(api, id);
        var old = await TokenAsync(api, id);
        var refreshToken = JsonDocument.Parse(fixture.ProviderCalls.Calls.Skip(calls).Last(c => c.GrantType == "authorization_code").ResponseBody!)
            .RootElement.GetProperty("refresh_token").GetString()!;

        var (fetches, answeredAt) = await FetchRace.RunAsync([api, other], id, async () =>
        {
            switch (change)
            {
                case "disconnect":
                    (await api.PostAsync($"/api/connections/{id}/disconnect", null)).EnsureSuccessStatusCode();
                    break;
                case "delete":
                    Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/connections/{id}")).StatusCode);
                    break;
                default:
                    await fixture.Sandbox.RevokeAsync(refreshToken);
                    fixture.Time.Advance(new ConnectionOptions().ForcedRefreshDebounce);
                    var forced = await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = true });
                    Assert.Equal(HttpStatusCode.Conflict, forced.StatusCode);
                    break;
            }
        });

        Assert.Null(FetchRace.Problem(fetches, answeredAt, old));
        Assert.All(fetches.Where(f => f.SentAt > answeredAt), f => Assert.NotEqual(HttpStatusCode.OK, f.Status));
        Assert.Null(fixture.Services.GetRequiredService<HandoutTable>().Find("tenant-a", id));
    }

    [Fact]
    public async Task After_a_forced_refresh_answered_the_old_token_is_not_handed_out_again_and_each_rotated_refresh_token_is_used_once()
    {
        using var api = fixture.Client();
        using var other = fixture.Client();
        var id = ApiFixture.NewId();
        var calls = fixture.ProviderCalls.Calls.Count;
        await ConnectAsync(api, id);
        var old = await TokenAsync(api, id);
        string? refreshed = null;

        var (fetches, answeredAt) = await FetchRace.RunAsync([api, other], id, async () =>
        {
            fixture.Time.Advance(new ConnectionOptions().ForcedRefreshDebounce);
            var response = await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = true });
            response.EnsureSuccessStatusCode();
            refreshed = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        });

        Assert.NotEqual(old, refreshed);
        Assert.Null(FetchRace.Problem(fetches, answeredAt, old));
        Assert.All(fetches.Where(f => f.SentAt > answeredAt), f => Assert.Equal(refreshed, f.AccessToken));
        fixture.Time.Advance(TimeSpan.FromSeconds(10));
        (await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = true })).EnsureSuccessStatusCode();
        var refreshes = fixture.ProviderCalls.Calls.Skip(calls).Where(c => c.GrantType == "refresh_token").Select(c => c.RefreshToken).ToList();
        Assert.Equal(2, refreshes.Count);
        Assert.Equal(refreshes.Count, refreshes.Distinct().Count());
        Assert.True(await fixture.Sandbox.IsActiveAsync(await TokenAsync(api, id)));
    }

    private async Task ConnectAsync(HttpClient api, string id)
    {
        var callback = await fixture.ConnectAsync(api, id);
        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
    }

    private static async Task<string> TokenAsync(HttpClient api, string id)
    {
        var response = await api.PostAsync($"/api/connections/{id}/token", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(text).RootElement.GetProperty("accessToken").GetString()!;
    }
}
