using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Testing;
using Npgsql;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// PostgreSQL stopped under a running cluster: commands answer 503 and change nothing, used connections keep handing
/// out their tokens from memory, and after the database and every silo restart nothing acknowledged is missing and
/// nothing refused appeared.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseOutageTests(PostgresServer postgres)
{
    [Fact]
    public async Task With_postgresql_stopped_commands_answer_503_tokens_are_still_served_and_a_restart_shows_exactly_what_was_acknowledged()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("database_outage");
        var first = new LocalCluster(connectionString, "outage");
        var second = new LocalCluster(connectionString, "outage");
        await using var sandbox = await RunningSandbox.StartAsync([first.ApiUrl + "/callback", second.ApiUrl + "/callback"]);
        string usedToken, configuredToken;
        await using (first)
        {
            await first.StartSiloAsync();
            await first.StartSiloAsync();
            await first.StartApiAsync();
            using var api = new ApiSession(first.ApiUrl, LocalCluster.ApiKey);
            using var http = Client(first.ApiUrl);
            await api.ConnectAsync("used.sandbox", sandbox.BaseUrl);
            usedToken = await api.RequireTokenAsync("used.sandbox");
            await api.ConnectAsync("configured.sandbox", sandbox.BaseUrl);
            await api.PutAsync("pending.sandbox", sandbox.BaseUrl);

            await postgres.StopAsync();
            try
            {
                NpgsqlConnection.ClearAllPools();
                await AssertUnavailable(await http.PutAsJsonAsync("/api/connections/used.sandbox", WithMetadata(sandbox.BaseUrl, "refused")));
                await AssertUnavailable(await http.PutAsJsonAsync("/api/connections/refused.sandbox", ApiSession.Settings(sandbox.BaseUrl)));
                await AssertUnavailable(await http.PostAsync("/api/connections/configured.sandbox/disconnect", null));
                for (var i = 0; i < 20; i++)
                {
                    Assert.Equal(usedToken, await api.RequireTokenAsync("used.sandbox"));
                }
            }
            finally
            {
                await postgres.StartAsync();
            }

            // Acknowledged after the database came back: this is what must survive.
            await ApiSession.Eventually(async () => (await http.PutAsJsonAsync("/api/connections/used.sandbox", WithMetadata(sandbox.BaseUrl, "acknowledged"))).IsSuccessStatusCode,
                TimeSpan.FromSeconds(60), "a PUT succeeds once PostgreSQL is back");
            configuredToken = await api.RequireTokenAsync("configured.sandbox");
        }

        await second.StartSiloAsync();
        await second.StartSiloAsync();
        await second.StartApiAsync();
        await using (second)
        {
            using var api = new ApiSession(second.ApiUrl, LocalCluster.ApiKey);
            var used = await api.GetAsync("used.sandbox");
            Assert.Equal("acknowledged", used.GetProperty("metadata").GetProperty("state").GetString());
            Assert.Equal(usedToken, await api.RequireTokenAsync("used.sandbox"));
            Assert.Equal("used", (await api.GetAsync("configured.sandbox")).GetProperty("status").GetString());
            Assert.Equal(configuredToken, await api.RequireTokenAsync("configured.sandbox"));
            Assert.Equal(HttpStatusCode.NotFound, await api.StatusOfAsync("/api/connections/refused.sandbox"));
            var listed = (await api.ListAsync()).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()).Order();
            Assert.Equal(["configured.sandbox", "pending.sandbox", "used.sandbox"], listed);
        }
    }

    private static object WithMetadata(string providerBaseUrl, string state) => new
    {
        authorizeUrl = providerBaseUrl + "/connect/authorize",
        tokenUrl = providerBaseUrl + "/connect/token",
        revokeUrl = providerBaseUrl + "/connect/revoke",
        clientId = RunningSandbox.ClientId,
        scopes = new[] { "files.read", "offline_access" },
        metadata = new { state },
    };

    private static async Task AssertUnavailable(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(ProblemCodes.StorageUnavailable, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
    }

    private static HttpClient Client(string baseUrl)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LocalCluster.ApiKey);
        return client;
    }
}
