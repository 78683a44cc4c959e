using System.Diagnostics;
using System.Globalization;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains;
using ActorOAuth.Grains.Index;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>index</c>: the tenant index with every connection in ONE tenant, in an in-process silo whose in-memory grain storage
/// (Orleans' binary serializer, as in the embedded default) counts the bytes it serializes for each write. For each
/// size: seed the entries straight through <see cref="TenantIndex"/> (no connection grains), then random status changes
/// one at a time (time, rows and bytes written per change), then a full listing of every entry in pages of 200, and one
/// filtered by status. A smaller tenant goes through the same steps first, unreported, so the JIT is warm. The legacy index's row (one per tenant, rewritten whole on every change) is serialized once per
/// size for comparison.
/// </summary>
internal static class IndexScenario
{
    private const int ListPageSize = 200;
    private static readonly ConnectionStatus[] Statuses = Enum.GetValues<ConnectionStatus>();
    private static int _tenants;

    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        var sizes = options.Ints("sizes", [1_000, 10_000, 100_000]);
        var changes = options.Int("changes", 2_000);
        var pageSize = options.Int("page-size", new TenantIndexOptions().PageSize);
        var concurrency = options.Int("concurrency", 64);
        Report.Header("index", $"one tenant of {string.Join(" / ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} connections, " +
            $"in-process silo, in-memory storage; pages of {pageSize}; {changes:N0} status changes, one at a time; listings in pages of {ListPageSize}");

        var counting = new CountingSerializer();
        var rows = new List<Row>();
        using (var host = await StartSiloAsync(pageSize, counting, cancellationToken))
        {
            var index = new TenantIndex(host.Services.GetRequiredService<IGrainFactory>());
            Report.Step("warm-up: 2,000 entries in a tenant of their own (not reported)");
            await MeasureAsync(index, counting, 2_000, changes, concurrency, cancellationToken, tenantPrefix: "warm");
            foreach (var size in sizes)
            {
                rows.Add(await MeasureAsync(index, counting, size, changes, concurrency, cancellationToken));
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(timeout.Token);
        }

        Report.Table($"Tenant index, one tenant, pages of {pageSize} (bytes: rows serialized by the grain storage)",
            ["connections", "seed s", "change mean ms", "p50 ms", "p99 ms", "rows written/change", "bytes written/change", "legacy row bytes",
                "full listing ms", "listing pages", "status listing ms"],
            rows.Select(r => new[]
            {
                Report.N(r.Connections), r.SeedSeconds.ToString("F1", CultureInfo.InvariantCulture), Report.Ms(r.ChangeMeanUs), Report.Ms(r.ChangeP50Us),
                Report.Ms(r.ChangeP99Us), r.RowsPerChange.ToString("F2", CultureInfo.InvariantCulture), Report.N(r.BytesPerChange), Report.N(r.LegacyRowBytes),
                Report.N(r.ListingMs, 1), Report.N(r.ListingPages), Report.N(r.StatusListingMs, 1),
            }));
        var (smallest, largest) = (rows.MinBy(r => r.Connections)!, rows.MaxBy(r => r.Connections)!);
        var met = largest.BytesPerChange <= 2 * smallest.BytesPerChange;
        Console.WriteLine($"target: bytes written per change at {largest.Connections:N0} connections ≤ 2× those at {smallest.Connections:N0}: " +
            $"{Report.Check(met)} ({Report.N(largest.BytesPerChange)} vs {Report.N(smallest.BytesPerChange)})");
        Console.WriteLine();
        Report.JsonLine(new
        {
            scenario = "index",
            date = Report.Started,
            pageSize,
            changes,
            listPageSize = ListPageSize,
            pinned = Machine.Pinned,
            sizes = rows.Select(r => new
            {
                connections = r.Connections, seedSeconds = Report.Round(r.SeedSeconds, 1), changeMeanUs = Report.Round(r.ChangeMeanUs, 0),
                changeP50Us = Report.Round(r.ChangeP50Us, 0), changeP99Us = Report.Round(r.ChangeP99Us, 0), rowsPerChange = Report.Round(r.RowsPerChange),
                bytesPerChange = Report.Round(r.BytesPerChange, 0), legacyRowBytes = r.LegacyRowBytes, listingMs = Report.Round(r.ListingMs, 1),
                listingPages = r.ListingPages, statusListingMs = Report.Round(r.StatusListingMs, 1),
            }),
            targetMet = met,
        });
    }

    private static async Task<Row> MeasureAsync(
        TenantIndex index, CountingSerializer counting, int size, int changes, int concurrency, CancellationToken cancellationToken, string tenantPrefix = "index")
    {
        // A tenant of its own per measurement, even when a size is given twice.
        var tenant = $"{tenantPrefix}-{size}-{Interlocked.Increment(ref _tenants)}";
        var ids = Enumerable.Range(0, size).Select(i => $"c{i:D6}").ToArray();
        var statuses = new ConnectionStatus[size];
        var revisions = new long[size];
        var random = new Random(size);
        Report.Step($"{size:N0}: seeding");
        var seed = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, size).OrderBy(_ => random.Next()),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, _) => await index.Upsert(tenant, Entry(ids[i], statuses[i], revisions[i] = 1, i)));
        var seedSeconds = seed.Elapsed.TotalSeconds;

        Report.Step($"{size:N0}: {changes:N0} status changes");
        var latencies = new double[changes];
        var (bytes, writes) = (counting.Bytes, counting.Writes);
        for (var n = 0; n < changes; n++)
        {
            var i = random.Next(size);
            statuses[i] = Statuses[(Array.IndexOf(Statuses, statuses[i]) + 1 + random.Next(Statuses.Length - 1)) % Statuses.Length];
            var timer = Stopwatch.StartNew();
            await index.Upsert(tenant, Entry(ids[i], statuses[i], ++revisions[i], i));
            latencies[n] = timer.Elapsed.TotalMicroseconds;
        }

        var bytesPerChange = (counting.Bytes - bytes) / (double)changes;
        var rowsPerChange = (counting.Writes - writes) / (double)changes;
        Array.Sort(latencies);

        Report.Step($"{size:N0}: listing");
        var (listingMs, pages, listed) = await ListAllAsync(index, tenant, new ConnectionFilter());
        if (listed != size)
        {
            throw new InvalidOperationException($"the listing returned {listed:N0} of {size:N0} entries");
        }

        var (statusListingMs, _, errored) = await ListAllAsync(index, tenant, new ConnectionFilter(ConnectionStatus.Errored));
        if (errored != statuses.Count(s => s == ConnectionStatus.Errored))
        {
            throw new InvalidOperationException($"the status listing returned {errored:N0} entries");
        }

        var legacy = new LegacyTenantConnectionsGrain.Index();
        for (var i = 0; i < size; i++)
        {
            legacy.Connections[ids[i]] = statuses[i];
        }

        return new Row(size, seedSeconds, latencies.Average(), Percentile(latencies, 0.50), Percentile(latencies, 0.99), rowsPerChange, bytesPerChange,
            counting.SizeOf(legacy), listingMs, pages, statusListingMs);
    }

    private static async Task<(double Ms, int Pages, int Ids)> ListAllAsync(TenantIndex index, string tenant, ConnectionFilter filter)
    {
        var timer = Stopwatch.StartNew();
        var (pages, ids) = (0, 0);
        string? cursor = null;
        do
        {
            var page = await index.List(tenant, filter, cursor, ListPageSize);
            pages++;
            ids += page.Ids.Count;
            cursor = page.Next;
        }
        while (cursor is not null);

        return (timer.Elapsed.TotalMilliseconds, pages, ids);
    }

    /// <summary>What a connection of the benchmark pushes: a provider and one customer in its metadata.</summary>
    private static IndexEntry Entry(string id, ConnectionStatus status, long revision, int i) =>
        new(id, status, "bench", null, MetadataHash.Of(new Dictionary<string, string> { ["customer"] = $"customer-{i % 100}" }), revision);

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static async Task<IHost> StartSiloAsync(int pageSize, CountingSerializer counting, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(["--environment=Production"]);
        // Standard output is for the results: the silo's warnings go to standard error.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddActorOAuthGrains();
        builder.Services.Configure<TenantIndexOptions>(o => o.PageSize = pageSize);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: ApiHost.FreePort(), gatewayPort: ApiHost.FreePort(), serviceId: "bench-index", clusterId: "bench-index")
            .AddMemoryGrainStorage(GrainStorage.Name, storage => storage.Configure<Serializer>((o, serializer) =>
                o.GrainStorageSerializer = counting.Wrap(new OrleansGrainStorageSerializer(serializer)))));
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    private sealed record Row(int Connections, double SeedSeconds, double ChangeMeanUs, double ChangeP50Us, double ChangeP99Us, double RowsPerChange,
        double BytesPerChange, long LegacyRowBytes, double ListingMs, int ListingPages, double StatusListingMs);

    /// <summary>The grain storage's serializer, counting the rows and bytes it serializes (the in-memory storage serializes on writes only).</summary>
    private sealed class CountingSerializer : IGrainStorageSerializer
    {
        private IGrainStorageSerializer _inner = null!;
        private long _bytes;
        private long _writes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Writes => Interlocked.Read(ref _writes);

        public CountingSerializer Wrap(IGrainStorageSerializer inner)
        {
            _inner = inner;
            return this;
        }

        /// <summary>The bytes a state would take, not counted as a write.</summary>
        public long SizeOf<T>(T state) => _inner.Serialize(state).ToMemory().Length;

        public BinaryData Serialize<T>(T? input)
        {
            var data = _inner.Serialize(input);
            Interlocked.Add(ref _bytes, data.ToMemory().Length);
            Interlocked.Increment(ref _writes);
            return data;
        }

        public T? Deserialize<T>(BinaryData input) => _inner.Deserialize<T>(input);
    }
}
