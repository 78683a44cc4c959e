using System.Text;
using ActorOAuth.Grains;
using ActorOAuth.Grains.Storage;
using ActorOAuth.Silo;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorOAuth.Cluster.Tests;

[Collection(PostgresCollection.Name)]
public sealed class EncryptionTests(PostgresServer postgres)
{
    private static readonly string K1 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string K2 = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public async Task After_a_full_flow_no_token_or_client_secret_appears_in_any_table()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("encryption_scan");
        await using var cluster = new LocalCluster(connectionString, "encryption-scan")
        {
            Keys = new() { ["k1"] = K1 },
            SiloSettings = new() { ["ActorOAuth:Connections:ForcedRefreshDebounce"] = "00:00:00" },
        };
        await using var sandbox = await RunningSandbox.StartAsync([cluster.ApiUrl + "/callback"]);
        await cluster.StartSiloAsync();
        await cluster.StartApiAsync();
        using var api = new ApiSession(cluster.ApiUrl, LocalCluster.ApiKey);

        await api.ConnectAsync("scan.sandbox", sandbox.BaseUrl);
        var first = await api.RequireTokenAsync("scan.sandbox");
        var rotated = (await api.TokenAsync("scan.sandbox", forceRefresh: true)).AccessToken!;
        Assert.NotEqual(first, rotated);

        // Decrypting the row with the key proves what is inside: the values the scan below must not find in the clear.
        var state = await ReadConnectionStateAsync(connectionString, "scan.sandbox", new() { ["k1"] = K1 });
        Assert.Equal(rotated, state.Tokens!.AccessToken);
        Assert.Equal(RunningSandbox.ClientSecret, state.Settings.ClientSecret);
        var refreshToken = state.Tokens.RefreshToken!;
        Assert.False(string.IsNullOrEmpty(refreshToken));

        foreach (var secret in new[] { first, rotated, refreshToken, RunningSandbox.ClientSecret })
        {
            Assert.Empty(await FindInAnyColumnAsync(connectionString, secret));
        }

        // The scan itself works: a value that is stored in the clear (the grain key) is found.
        Assert.NotEmpty(await FindInAnyColumnAsync(connectionString, LocalCluster.Tenant + "/scan.sandbox"));
    }

    [Fact]
    public async Task Rotated_key_reads_old_rows_writes_new_ones_and_reencrypt_moves_every_row()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("encryption_rotation");
        await using var sandbox = await RunningSandbox.StartAsync([]);
        var cluster = new LocalCluster(connectionString, "encryption-rotation") { Keys = new() { ["k1"] = K1 } };
        await using (cluster)
        {
            await cluster.StartSiloAsync();
            await cluster.StartApiAsync();
            using var api = new ApiSession(cluster.ApiUrl, LocalCluster.ApiKey);
            await api.PutAsync("old.sandbox", sandbox.BaseUrl);
            await api.PutAsync("touched.sandbox", sandbox.BaseUrl);
        }

        Assert.Equal(["k1"], await KeyIdsAsync(connectionString));

        // Every silo restarts with both keys, the new one active.
        await using var rotatedCluster = new LocalCluster(connectionString, "encryption-rotation") { Keys = new() { ["k1"] = K1, ["k2"] = K2 }, ActiveKey = "k2" };
        await rotatedCluster.StartSiloAsync();
        await rotatedCluster.StartApiAsync();
        using (var api = new ApiSession(rotatedCluster.ApiUrl, LocalCluster.ApiKey))
        {
            Assert.Equal("pending", (await api.GetAsync("old.sandbox")).GetProperty("status").GetString());
            await api.PutAsync("touched.sandbox", sandbox.BaseUrl);
        }

        Assert.Equal("k1", await KeyIdOfConnectionAsync(connectionString, "old.sandbox"));
        Assert.Equal("k2", await KeyIdOfConnectionAsync(connectionString, "touched.sandbox"));

        var exit = await SiloCommands.RunAsync(
        [
            "reencrypt",
            "--ActorOAuth:Cluster:ConnectionString=" + connectionString,
            "--ActorOAuth:Encryption:Keys:k1=" + K1,
            "--ActorOAuth:Encryption:Keys:k2=" + K2,
            "--ActorOAuth:Encryption:ActiveKey=k2",
        ]);
        Assert.Equal(0, exit);
        Assert.Equal(["k2"], await KeyIdsAsync(connectionString));

        // With the old key gone, everything is still readable.
        await rotatedCluster.DisposeAsync();
        await using var newKeyOnly = new LocalCluster(connectionString, "encryption-rotation") { Keys = new() { ["k2"] = K2 } };
        await newKeyOnly.StartSiloAsync();
        await newKeyOnly.StartApiAsync();
        using var after = new ApiSession(newKeyOnly.ApiUrl, LocalCluster.ApiKey);
        Assert.Equal("pending", (await after.GetAsync("old.sandbox")).GetProperty("status").GetString());
        Assert.Equal(2, (await after.ListAsync()).GetProperty("items").GetArrayLength());
    }

    /// <summary>Every (table.column) of type text, varchar, char, json, xml or bytea that contains <paramref name="value"/>.</summary>
    public static async Task<List<string>> FindInAnyColumnAsync(string connectionString, string value)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var list = new NpgsqlCommand("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
             WHERE table_schema = 'public'
               AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb', 'xml')
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        Assert.Contains(columns, c => c is { Table: "orleansstorage", Column: "payloadbinary" });
        var found = new List<string>();
        foreach (var (table, column, type) in columns)
        {
            var condition = type == "bytea" ? $"position(@bytes IN \"{column}\") > 0" : $"strpos(\"{column}\"::text, @text) > 0";
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" WHERE {condition}", connection);
            command.Parameters.AddWithValue("bytes", Encoding.UTF8.GetBytes(value));
            command.Parameters.AddWithValue("text", value);
            if (Convert.ToInt64(await command.ExecuteScalarAsync()) > 0)
            {
                found.Add($"{table}.{column}");
            }
        }

        return found;
    }

    private static async Task<List<string>> KeyIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payloadbinary FROM orleansstorage WHERE payloadbinary IS NOT NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            ids.Add(StorageCipher.KeyIdOf((byte[])reader[0]) ?? "(plain)");
        }

        return [.. ids];
    }

    private static async Task<byte[]> ConnectionRowAsync(string connectionString, string id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payloadbinary FROM orleansstorage WHERE grainidextensionstring = @key", connection);
        command.Parameters.AddWithValue("key", $"{LocalCluster.Tenant}/{id}");
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string?> KeyIdOfConnectionAsync(string connectionString, string id) =>
        StorageCipher.KeyIdOf(await ConnectionRowAsync(connectionString, id));

    private static async Task<ConnectionState> ReadConnectionStateAsync(string connectionString, string id, Dictionary<string, string> keys)
    {
        await using var services = new ServiceCollection()
            .AddSerializer(serializer => serializer.AddAssembly(typeof(ConnectionState).Assembly))
            .BuildServiceProvider();
        var cipher = new StorageCipher(StorageKeyRing.Load(new EncryptionOptions { Keys = keys }));
        var serializer = new EncryptedGrainStorageSerializer(new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), cipher);
        return serializer.Deserialize<ConnectionState>(new BinaryData(await ConnectionRowAsync(connectionString, id)))!;
    }
}
