using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ActorOAuth.Cluster.Tests;

/// <summary>Two silos and an API client in this process, all state in PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(PostgresServer postgres)
{
    [Fact]
    public async Task Killed_silo_loses_no_token_and_the_refresh_reminder_fires_on_the_survivor()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("failover_kill");
        await using var cluster = new LocalCluster(connectionString, "failover-kill");
        // 40-second tokens: the refresh is due about 32 seconds after the exchange.
        await using var sandbox = await RunningSandbox.StartAsync([cluster.ApiUrl + "/callback"], TimeSpan.FromSeconds(40));
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        await cluster.StartApiAsync();
        using var api = new ApiSession(cluster.ApiUrl, LocalCluster.ApiKey);

        const string id = "failover.sandbox";
        await api.ConnectAsync(id, sandbox.BaseUrl);
        var token = await api.RequireTokenAsync(id);
        var before = await api.GetAsync(id);
        var refreshDue = before.GetProperty("nextRefreshAt").GetDateTimeOffset();
        Assert.Equal(JsonValueKind.Undefined, before.TryGetProperty("lastRefreshedAt", out var none) ? none.ValueKind : JsonValueKind.Undefined);

        var host = await HostOfAsync(cluster, id);
        var survivor = cluster.Silos.Single(s => s != host);
        await cluster.KillSiloAsync(host);

        // The token is served again once the cluster noticed (from the survivor, read back from PostgreSQL)...
        string? served = null;
        await ApiSession.Eventually(async () => (served = (await api.TokenAsync(id, TimeSpan.FromSeconds(10))).AccessToken) is not null,
            TimeSpan.FromSeconds(60), "the token is served after the silo died");
        Assert.True(DateTimeOffset.UtcNow < refreshDue, "the failover took so long that the refresh was already due");
        Assert.Equal(token, served);
        Assert.True(await sandbox.IsActiveAsync(served!));

        // ...and without any further fetch, the refresh reminder fires on the survivor and refreshes the token.
        JsonElement after = default;
        await ApiSession.Eventually(async () => (after = await api.GetAsync(id)).TryGetProperty("lastRefreshedAt", out _),
            TimeSpan.FromSeconds(150), "the refresh reminder fired");
        var logs = (await api.LogsAsync(id)).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("token_refreshed", logs);
        Assert.Equal("used", after.GetProperty("status").GetString());
        Assert.Equal(survivor.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress, await ActivationSiloAsync(cluster, id));
        var refreshed = await api.RequireTokenAsync(id);
        Assert.NotEqual(token, refreshed);
        Assert.True(await sandbox.IsActiveAsync(refreshed));
    }

    [Fact]
    public async Task Restarting_every_process_from_the_database_restores_connections_statuses_logs_and_schedules()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("failover_restart");
        string[] ids = ["used.sandbox", "configured.sandbox", "pending.sandbox", "errored.sandbox", "disconnected.sandbox"];
        var first = new LocalCluster(connectionString, "failover-restart");
        var second = new LocalCluster(connectionString, "failover-restart");
        await using var sandbox = await RunningSandbox.StartAsync([first.ApiUrl + "/callback", second.ApiUrl + "/callback"]);

        Dictionary<string, string> before;
        string usedToken;
        await using (first)
        {
            await first.StartSiloAsync();
            await first.StartSiloAsync();
            await first.StartApiAsync();
            using var api = new ApiSession(first.ApiUrl, LocalCluster.ApiKey);
            await api.ConnectAsync("used.sandbox", sandbox.BaseUrl);
            usedToken = await api.RequireTokenAsync("used.sandbox");
            await api.ConnectAsync("configured.sandbox", sandbox.BaseUrl);
            await api.PutAsync("pending.sandbox", sandbox.BaseUrl);
            await api.ConnectAsync("errored.sandbox", sandbox.BaseUrl);
            await api.ReportErrorAsync("errored.sandbox");
            await api.ConnectAsync("disconnected.sandbox", sandbox.BaseUrl);
            await api.DisconnectAsync("disconnected.sandbox");
            before = await SnapshotAsync(api, ids);
        }

        var remindersBefore = await ReminderGrainsAsync(connectionString);
        Assert.Equal(3, remindersBefore.Count);

        await second.StartSiloAsync();
        await second.StartSiloAsync();
        await second.StartApiAsync();
        await using (second)
        {
            using var api = new ApiSession(second.ApiUrl, LocalCluster.ApiKey);
            var after = await SnapshotAsync(api, ids);
            foreach (var (what, json) in before)
            {
                Assert.Equal(json, after[what]);
            }

            Assert.Equal(["configured", "disconnected", "errored", "pending", "used"],
                ids.Select(i => JsonDocument.Parse(after[i]).RootElement.GetProperty("status").GetString()!).Order());
            Assert.Equal(remindersBefore, await ReminderGrainsAsync(connectionString));
            Assert.Equal(usedToken, await api.RequireTokenAsync("used.sandbox"));
        }
    }

    private static async Task<Dictionary<string, string>> SnapshotAsync(ApiSession api, string[] ids)
    {
        var snapshot = new Dictionary<string, string> { ["list"] = (await api.ListAsync()).GetRawText() };
        foreach (var id in ids)
        {
            snapshot[id] = (await api.GetAsync(id)).GetRawText();
            snapshot[id + "/logs"] = (await api.LogsAsync(id)).GetRawText();
        }

        return snapshot;
    }

    private static async Task<List<string>> ReminderGrainsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT grainid || ' ' || remindername FROM orleansreminderstable ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task<SiloAddress?> ActivationSiloAsync(LocalCluster cluster, string id)
    {
        var grain = cluster.Client.GetGrain<IConnectionGrain>(ConnectionKeys.For(LocalCluster.Tenant, id));
        return await cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
    }

    private static async Task<WebApplication> HostOfAsync(LocalCluster cluster, string id)
    {
        var address = await ActivationSiloAsync(cluster, id);
        return cluster.Silos.Single(s => s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Equals(address));
    }
}
