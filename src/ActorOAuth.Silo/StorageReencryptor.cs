using System.Text;
using ActorOAuth.Grains.Storage;
using Npgsql;

namespace ActorOAuth.Silo;

/// <summary>
/// Re-seals every stored grain state of one service with the active key, in batches. A row is rewritten only if it
/// is unchanged since it was read (same version and bytes), so running this next to live silos never undoes a grain's
/// write; such a row was just written by a silo, with the active key when every silo already has it.
/// </summary>
public static class StorageReencryptor
{
    public sealed record Result(int Rewritten, int Remaining);

    public static async Task<Result> RunAsync(string connectionString, string serviceId, StorageCipher cipher, TextWriter? log = null, int batchSize = 500, CancellationToken cancellationToken = default)
    {
        var active = Encoding.ASCII.GetBytes(cipher.Keys.ActiveKeyId);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var rewritten = 0;
        while (true)
        {
            var rows = await ReadBatchAsync(connection, serviceId, active, batchSize, cancellationToken);
            if (rows.Count == 0)
            {
                break;
            }

            var progress = 0;
            foreach (var row in rows)
            {
                var resealed = cipher.Reseal(row.Payload);
                if (resealed is not null && await UpdateAsync(connection, row, resealed, cancellationToken))
                {
                    progress++;
                }
            }

            rewritten += progress;
            log?.WriteLine($"re-encrypted {rewritten} rows with key '{cipher.Keys.ActiveKeyId}'");
            if (progress == 0)
            {
                // Every row in the batch changed under us: silos are still writing with an older key.
                var remaining = await CountRemainingAsync(connection, serviceId, active, cancellationToken);
                return new Result(rewritten, remaining);
            }
        }

        return new Result(rewritten, 0);
    }

    /// <summary>Rows whose payload header does not name the active key.</summary>
    private const string NotActiveKey = """
        serviceid = @serviceId AND payloadbinary IS NOT NULL
        AND NOT CASE WHEN length(payloadbinary) > 2 + @keyLength
                     THEN get_byte(payloadbinary, 0) = 1 AND get_byte(payloadbinary, 1) = @keyLength
                          AND substring(payloadbinary FROM 3 FOR @keyLength) = @keyId
                     ELSE false END
        """;

    private static async Task<List<Row>> ReadBatchAsync(NpgsqlConnection connection, string serviceId, byte[] activeKeyId, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT grainidhash, graintypehash, serviceid, grainidn0, grainidn1, graintypestring, grainidextensionstring, version, payloadbinary
              FROM orleansstorage
             WHERE {NotActiveKey}
             LIMIT @limit
            """, connection);
        AddKeyFilter(command, serviceId, activeKeyId);
        command.Parameters.AddWithValue("limit", batchSize);
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7), (byte[])reader[8]));
        }

        return rows;
    }

    private static async Task<bool> UpdateAsync(NpgsqlConnection connection, Row row, byte[] payload, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE orleansstorage SET payloadbinary = @payload
             WHERE grainidhash = @grainidhash AND graintypehash = @graintypehash AND serviceid = @serviceid
               AND grainidn0 = @grainidn0 AND grainidn1 = @grainidn1 AND graintypestring = @graintypestring
               AND coalesce(grainidextensionstring, '') = coalesce(@grainidextensionstring, '')
               AND version = @version AND payloadbinary = @old
            """, connection);
        command.Parameters.AddWithValue("payload", payload);
        command.Parameters.AddWithValue("grainidhash", row.GrainIdHash);
        command.Parameters.AddWithValue("graintypehash", row.GrainTypeHash);
        command.Parameters.AddWithValue("serviceid", row.ServiceId);
        command.Parameters.AddWithValue("grainidn0", row.GrainIdN0);
        command.Parameters.AddWithValue("grainidn1", row.GrainIdN1);
        command.Parameters.AddWithValue("graintypestring", row.GrainTypeString);
        command.Parameters.Add(new NpgsqlParameter<string?>("grainidextensionstring", NpgsqlTypes.NpgsqlDbType.Varchar) { TypedValue = row.GrainIdExtensionString });
        command.Parameters.AddWithValue("version", row.Version);
        command.Parameters.AddWithValue("old", row.Payload);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<int> CountRemainingAsync(NpgsqlConnection connection, string serviceId, byte[] activeKeyId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*)::integer FROM orleansstorage WHERE {NotActiveKey}", connection);
        AddKeyFilter(command, serviceId, activeKeyId);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static void AddKeyFilter(NpgsqlCommand command, string serviceId, byte[] activeKeyId)
    {
        command.Parameters.AddWithValue("serviceId", serviceId);
        command.Parameters.AddWithValue("keyLength", activeKeyId.Length);
        command.Parameters.AddWithValue("keyId", activeKeyId);
    }

    private sealed record Row(int GrainIdHash, int GrainTypeHash, string ServiceId, long GrainIdN0, long GrainIdN1, string GrainTypeString, string? GrainIdExtensionString, int Version, byte[] Payload);
}
