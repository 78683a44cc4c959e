using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Api.Connections.Handout;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// Cluster mode's leased hand-outs: three silos and two API processes in this process, on PostgreSQL. Each API process
/// hands out a used connection's token from its own leased copy; whatever changes the connection withdraws every
/// copy first, so no fetch sent after that change answered gets what it replaced, on either API process.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HandoutClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task On_three_silos_and_two_API_processes_no_fetch_sent_after_a_refresh_or_a_disconnect_answered_gets_the_old_token()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("handout_race");
        await using var cluster = new LocalCluster(connectionString, "handout-race");
        cluster.SiloSettings["ActorOAuth:Connections:ForcedRefreshDebounce"] = "00:00:00";
        await using var sandbox = await RunningSandbox.StartAsync([cluster.ApiUrl + "/callback"]);
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartSiloAsync();
        }

        await cluster.StartApiAsync();
        var secondUrl = await cluster.StartAnotherApiAsync();
        using var session = new ApiSession(cluster.ApiUrl, LocalCluster.ApiKey);
        using var first = Client(cluster.ApiUrl);
        using var second = Client(secondUrl);
        var leases = (LeasedHandout)cluster.OtherApis[0].Services.GetRequiredService<TokenHandout>();

        foreach (var id in new[] { "race-1.sandbox", "race-2.sandbox", "race-3.sandbox" })
        {
            await session.ConnectAsync(id, sandbox.BaseUrl);
            var old = await session.RequireTokenAsync(id);
            Assert.Equal(old, await TokenAsync(second, id));
            Assert.NotNull(leases.TryServe(LocalCluster.Tenant, id));

            string? refreshed = null;
            var (fetches, answeredAt) = await FetchRace.RunAsync([first, second], id, async () =>
            {
                var response = await first.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = true });
                response.EnsureSuccessStatusCode();
                refreshed = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            });
            Assert.NotEqual(old, refreshed);
            Assert.Null(FetchRace.Problem(fetches, answeredAt, old));
            Assert.All(fetches.Where(f => f.SentAt > answeredAt), f => Assert.Equal(refreshed, f.AccessToken));

            // The disconnect goes through the other API process: the withdrawal reaches both.
            (fetches, answeredAt) = await FetchRace.RunAsync([first, second], id, async () =>
                (await second.PostAsync($"/api/connections/{id}/disconnect", null)).EnsureSuccessStatusCode());
            Assert.Null(FetchRace.Problem(fetches, answeredAt, refreshed!));
            Assert.All(fetches.Where(f => f.SentAt > answeredAt), f => Assert.Equal(HttpStatusCode.Conflict, f.Status));
        }
    }

    [Fact]
    public async Task A_disconnect_waits_out_the_lease_of_an_API_process_that_can_no_longer_confirm_the_withdrawal()
    {
        var lease = TimeSpan.FromSeconds(4);
        var connectionString = await postgres.CreateMigratedDatabaseAsync("handout_lease");
        await using var cluster = new LocalCluster(connectionString, "handout-lease");
        cluster.SiloSettings["ActorOAuth:Handout:Lease"] = lease.ToString("c");
        await using var sandbox = await RunningSandbox.StartAsync([cluster.ApiUrl + "/callback"]);
        await cluster.StartSiloAsync();
        await cluster.StartApiAsync();
        var secondUrl = await cluster.StartAnotherApiAsync();
        using var session = new ApiSession(cluster.ApiUrl, LocalCluster.ApiKey);
        using var second = Client(secondUrl);

        const string id = "lease.sandbox";
        await session.ConnectAsync(id, sandbox.BaseUrl);
        var token = await session.RequireTokenAsync(id);
        var granted = Stopwatch.GetTimestamp();
        Assert.Equal(token, await TokenAsync(second, id));
        await cluster.StopAnotherApiAsync(cluster.OtherApis[0]);

        await session.DisconnectAsync(id);

        // The stopped process cannot confirm, so the disconnect answers only once the lease it held could have run out.
        Assert.True(Stopwatch.GetElapsedTime(granted) >= lease * 0.9, $"answered after {Stopwatch.GetElapsedTime(granted)}");
        Assert.Equal(HttpStatusCode.Conflict, (await session.TokenAsync(id)).Status);
    }

    private static HttpClient Client(string baseUrl)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LocalCluster.ApiKey);
        return client;
    }

    private static async Task<string> TokenAsync(HttpClient api, string id)
    {
        var response = await api.PostAsync($"/api/connections/{id}/token", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("accessToken").GetString()!;
    }
}
