using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// The ceiling of a database-per-fetch design: primary-key reads of a row the size of a token response, through
/// Npgsql, closed loop at a fixed concurrency. The <c>pg-load</c> helper runs on the load core; PostgreSQL runs on
/// the server core. Each read takes a pooled connection and runs a prepared <c>SELECT body … WHERE id = $1</c>,
/// as a request handler of such a design would; no HTTP in front, so this is an upper bound for it.
/// </summary>
internal static class PgLoad
{
    public const string Table = "bench_token_rows";
    private const string ResultLine = "PGLOAD ";

    /// <summary>Creates the table with <paramref name="rows"/> rows <c>c000000…</c>, each body a token response of the same size.</summary>
    public static async Task CreateTableAsync(string connectionString, int rows, string body, CancellationToken cancellationToken)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using (var create = data.CreateCommand($"DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (id text PRIMARY KEY, body text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var connection = await data.OpenConnectionAsync(cancellationToken))
        await using (var writer = await connection.BeginTextImportAsync($"COPY {Table} (id, body) FROM STDIN", cancellationToken))
        {
            var escaped = body.Replace("\\", "\\\\", StringComparison.Ordinal);
            for (var i = 0; i < rows; i++)
            {
                await writer.WriteAsync($"c{i:D6}\t{escaped}\n");
            }
        }

        await using var analyze = data.CreateCommand($"VACUUM ANALYZE {Table}");
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs the <c>pg-load</c> helper on the load core and returns what it measured.</summary>
    public static async Task<LoadResult> MeasureAsync(string connectionString, int rows, int concurrency, int seconds, CancellationToken cancellationToken)
    {
        var start = Machine.OnCore(Machine.LoadCore, Machine.Self(
        [
            "pg-load", "--connection-string", connectionString, "--rows", rows.ToString(CultureInfo.InvariantCulture),
            "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "--duration", seconds.ToString(CultureInfo.InvariantCulture),
        ]), redirect: true);
        var output = await Children.RunAsync(start, cancellationToken);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(ResultLine, StringComparison.Ordinal))
            ?? throw new InvalidOperationException("pg-load printed no result:\n" + output);
        return JsonSerializer.Deserialize<LoadResult>(line[ResultLine.Length..])!;
    }

    /// <summary>The helper: <c>pg-load --connection-string … --rows N --concurrency C --duration S</c>.</summary>
    public static async Task<int> RunAsync(Options options)
    {
        var rows = options.Int("rows", 10_000);
        var concurrency = options.Int("concurrency", 64);
        var duration = TimeSpan.FromSeconds(options.Int("duration", 30));
        // A pooled connection per concurrent reader, at most 100 (PostgreSQL allows 200 here, and in cluster mode the
        // silo and the API hold pools of their own); beyond that readers queue for a connection, as requests would.
        var pool = Math.Min(concurrency, 100);
        var builder = new NpgsqlConnectionStringBuilder(options.String("connection-string", ""))
        {
            MaxPoolSize = pool,
            MinPoolSize = pool,
            MaxAutoPrepare = 4,
            AutoPrepareMinUsages = 1,
            NoResetOnClose = true,
        };
        await using var data = NpgsqlDataSource.Create(builder.ConnectionString);
        var ids = Enumerable.Range(0, rows).Select(i => $"c{i:D6}").ToArray();

        // Open the pool before the clock starts.
        var warm = await Task.WhenAll(Enumerable.Range(0, pool).Select(async _ => await data.OpenConnectionAsync()));
        foreach (var connection in warm)
        {
            await connection.DisposeAsync();
        }

        var errors = 0L;
        var latencies = new List<long>[concurrency];
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            var random = new Random(w);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await using var connection = await data.OpenConnectionAsync();
                    await using var command = new NpgsqlCommand($"SELECT body FROM {Table} WHERE id = $1", connection);
                    command.Parameters.Add(new NpgsqlParameter { Value = ids[random.Next(ids.Length)] });
                    await using var reader = await command.ExecuteReaderAsync();
                    if (!await reader.ReadAsync() || reader.GetString(0).Length == 0)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (NpgsqlException)
                {
                    Interlocked.Increment(ref errors);
                }

                mine.Add(Stopwatch.GetTimestamp() - t0);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var result = LoadResult.From(latencies.SelectMany(l => l), elapsed, errors);
        Console.WriteLine(ResultLine + JsonSerializer.Serialize(result));
        return 0;
    }
}

/// <summary>
/// One closed-loop measurement: completed requests, their rate and latency percentiles in microseconds;
/// <paramref name="Quantiles"/>, where the load generator gave them, the latency distribution a merge of several runs
/// needs (<see cref="Interleaved"/>).
/// </summary>
internal sealed record LoadResult(long Requests, double Seconds, double Rps, double P50Us, double P99Us, double P999Us, double MaxUs, long Errors,
    LatencyQuantiles? Quantiles = null)
{
    /// <summary>From <see cref="Stopwatch"/> tick latencies.</summary>
    public static LoadResult From(IEnumerable<long> ticks, TimeSpan elapsed, long errors)
    {
        var sorted = ticks.ToArray();
        Array.Sort(sorted);
        double Us(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)] * 1e6 / Stopwatch.Frequency;
        return new LoadResult(sorted.Length, elapsed.TotalSeconds, sorted.Length / elapsed.TotalSeconds, Us(0.5), Us(0.99), Us(0.999), Us(1.0), errors);
    }
}
