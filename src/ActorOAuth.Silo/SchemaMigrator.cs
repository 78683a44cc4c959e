using Npgsql;

namespace ActorOAuth.Silo;

/// <summary>
/// Applies <c>sql/postgresql/*.sql</c> in file-name order, each file in its own transaction, under an advisory lock
/// so several silos or jobs migrating at once take turns. The scripts are idempotent, so this runs on every deploy.
/// </summary>
public static class SchemaMigrator
{
    /// <summary>Where the scripts are copied next to the silo's binaries (the Silo project links <c>sql/postgresql</c> into its output).</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "sql", "postgresql");

    private const long LockId = 0x4143_544F_4F41_5554; // "ACTOOAUT"

    /// <summary>Creates the database when it does not exist yet, then applies every script. Returns the files applied.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, string? directory = null, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        directory ??= DefaultDirectory;
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.sql").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"No schema scripts (*.sql) in '{directory}'.");
        }

        await CreateDatabaseIfMissingAsync(connectionString, log, cancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var file in files)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id)", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("id", LockId);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var command = new NpgsqlCommand(await File.ReadAllTextAsync(file, cancellationToken), connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            log?.WriteLine($"applied {Path.GetFileName(file)}");
        }

        return files;
    }

    private static async Task CreateDatabaseIfMissingAsync(string connectionString, TextWriter? log, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(target.Database) || target.Database == "postgres")
        {
            return;
        }

        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", target.Database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        // Identifiers cannot be parameters; quote it the way PostgreSQL does.
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database.Replace("\"", "\"\"")}\"", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            log?.WriteLine($"created database {target.Database}");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another migrator won the race.
        }
    }
}
