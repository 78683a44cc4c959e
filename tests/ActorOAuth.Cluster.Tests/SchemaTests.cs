using ActorOAuth.Grains.Storage;
using ActorOAuth.Silo;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ActorOAuth.Cluster.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SchemaTests(PostgresServer postgres)
{
    /// <summary>Every stored query the 10.4.2 clustering, persistence and reminder providers look up by key.</summary>
    public static readonly string[] RequiredQueries =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Silo_starts_twice_against_a_schema_applied_twice()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_twice");
        await SchemaMigrator.ApplyAsync(connectionString, Repository.SqlDirectory);
        await SchemaMigrator.ApplyAsync(connectionString, Repository.SqlDirectory);

        await using var cluster = new LocalCluster(connectionString, "schema-twice");
        for (var run = 1; run <= 2; run++)
        {
            var silo = await cluster.StartSiloAsync();
            Assert.Equal(run, await CountAsync(connectionString, "SELECT count(*) FROM orleansmembershiptable"));
            Assert.Equal(1, await CountAsync(connectionString, "SELECT count(*) FROM orleansmembershiptable WHERE status = 3"));
            await cluster.StopSiloAsync(silo);
            // A graceful stop leaves a dead row behind, as Orleans expects.
            Assert.Equal(0, await CountAsync(connectionString, "SELECT count(*) FROM orleansmembershiptable WHERE status = 3"));
        }
    }

    [Fact]
    public async Task Defunct_silo_rows_are_removed_by_the_per_row_and_the_bulk_cleanup_queries()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("schema_cleanup");
        await using var cluster = new LocalCluster(connectionString, "schema-cleanup");
        await cluster.StopSiloAsync(await cluster.StartSiloAsync());
        var silo = await cluster.StartSiloAsync();
        const string dead = "SELECT count(*) FROM orleansmembershiptable WHERE status = 6";
        Assert.Equal(1, await CountAsync(connectionString, dead));

        // What Orleans runs periodically (DefunctSiloCleanupPeriod): with CleanupDefunctSiloEntryKey present, one
        // guarded delete per dead row.
        var table = silo.Services.GetRequiredService<IMembershipTable>();
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(0, await CountAsync(connectionString, dead));
        Assert.Equal(1, await CountAsync(connectionString, "SELECT count(*) FROM orleansmembershiptable WHERE status = 3"));

        // The bulk query the provider falls back to, with the parameters it binds.
        await cluster.StopSiloAsync(silo);
        Assert.Equal(1, await CountAsync(connectionString, dead));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = 'CleanupDefunctSiloEntriesKey'", connection);
        await using var cleanup = new NpgsqlCommand((string)(await query.ExecuteScalarAsync())!, connection);
        cleanup.Parameters.Add(new NpgsqlParameter("DeploymentId", System.Data.DbType.String) { Value = "schema-cleanup" });
        cleanup.Parameters.Add(new NpgsqlParameter("IAmAliveTime", System.Data.DbType.DateTime) { Value = DateTime.UtcNow.AddMinutes(1) });
        Assert.Equal(1, await cleanup.ExecuteNonQueryAsync());
        Assert.Equal(0, await CountAsync(connectionString, "SELECT count(*) FROM orleansmembershiptable"));
    }

    [Fact]
    public async Task Schema_has_every_query_the_providers_require_and_an_index_for_reminder_ranges()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("schema_queries");
        var keys = new List<string>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT querykey FROM orleansquery", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Empty(RequiredQueries.Except(keys));
        Assert.Equal(1, await CountAsync(connectionString,
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'orleansreminderstable' AND indexdef LIKE '%(serviceid, grainhash)%'"));
    }

    [Fact]
    public async Task Silo_without_an_encryption_key_refuses_to_start_with_a_clear_message()
    {
        var e = Assert.Throws<StorageKeyRingException>(() => SiloHost.Build(
        [
            "--environment=Production",
            "--ActorOAuth:Cluster:ConnectionString=" + postgres.ConnectionString("postgres"),
        ]));
        Assert.Contains("No encryption key is configured", e.Message);
        Assert.Contains("ActorOAuth__Encryption__Keys__", e.Message);
    }

    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
