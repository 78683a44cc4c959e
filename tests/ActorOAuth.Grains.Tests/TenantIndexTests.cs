using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Index;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace ActorOAuth.Grains.Tests;

/// <summary>A cluster whose index pages hold 16 entries, so a few hundred connections already make many pages.</summary>
public sealed class IndexClusterFixture : ClusterWithSandbox, IAsyncLifetime
{
    public const int PageSize = 16;
    private static int _next;

    public TenantIndex Index => new(Grains);

    public static string NewTenant() => $"index-{Interlocked.Increment(ref _next)}";

    protected override void ConfigureSilo(ISiloBuilder silo) => silo.Services.Configure<TenantIndexOptions>(o => o.PageSize = PageSize);

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class IndexCollection : ICollectionFixture<IndexClusterFixture>
{
    public const string Name = "index";
}

[Collection(IndexCollection.Name)]
public sealed class TenantIndexTests(IndexClusterFixture fixture)
{
    private static readonly ConnectionStatus[] Statuses = Enum.GetValues<ConnectionStatus>();

    [Fact]
    public async Task Splitting_keeps_every_entry_exactly_once_and_in_order()
    {
        var tenant = IndexClusterFixture.NewTenant();
        var ids = Enumerable.Range(0, 400).Select(i => $"conn-{i:D4}").ToList();

        await SeedAsync(tenant, Shuffled(ids, seed: 1).Select(id => Entry(id, ConnectionStatus.Pending)));

        var pages = await ReadChainAsync(tenant);
        Assert.True(pages.Count >= 400 / IndexClusterFixture.PageSize, $"{pages.Count} pages");
        Assert.All(pages, page =>
        {
            Assert.InRange(page.Entries.Count, 1, IndexClusterFixture.PageSize);
            Assert.All(page.Entries, e => Assert.True(string.CompareOrdinal(e.ConnectionId, page.LowKey) >= 0
                && (page.HighKey is null || string.CompareOrdinal(e.ConnectionId, page.HighKey) < 0), $"{e.ConnectionId} outside [{page.LowKey}, {page.HighKey})"));
        });
        Assert.Equal(ids, pages.SelectMany(p => p.Entries).Select(e => e.ConnectionId));
        var listed = await fixture.Index.List(tenant, new ConnectionFilter(), null, 1_000);
        Assert.Equal(ids, listed.Ids);
        Assert.Null(listed.Next);
    }

    [Fact]
    public async Task An_upsert_with_an_older_revision_changes_nothing()
    {
        var tenant = IndexClusterFixture.NewTenant();
        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Configured, revision: 5));
        var before = fixture.Storage.BytesWritten;

        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Errored, revision: 4));
        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Errored, revision: 5));

        Assert.Equal(before, fixture.Storage.BytesWritten);
        Assert.Empty((await fixture.Index.List(tenant, new ConnectionFilter(ConnectionStatus.Errored), null, 10)).Ids);
        Assert.Equal(["a"], (await fixture.Index.List(tenant, new ConnectionFilter(ConnectionStatus.Configured), null, 10)).Ids);
    }

    [Fact]
    public async Task An_upsert_that_changes_only_the_revision_writes_nothing_and_still_refuses_what_came_before_it()
    {
        var tenant = IndexClusterFixture.NewTenant();
        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Used, revision: 1));
        var before = fixture.Storage.BytesWritten;

        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Used, revision: 3));
        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Errored, revision: 2));

        Assert.Equal(before, fixture.Storage.BytesWritten);
        Assert.Equal(["a"], (await fixture.Index.List(tenant, new ConnectionFilter(ConnectionStatus.Used), null, 10)).Ids);

        await fixture.Index.Upsert(tenant, Entry("a", ConnectionStatus.Errored, revision: 4));
        Assert.True(fixture.Storage.BytesWritten > before);
        Assert.Equal(["a"], (await fixture.Index.List(tenant, new ConnectionFilter(ConnectionStatus.Errored), null, 10)).Ids);
    }

    [Fact]
    public async Task Paging_through_10000_entries_while_statuses_change_and_pages_split_returns_every_id_exactly_once()
    {
        var tenant = IndexClusterFixture.NewTenant();
        var ids = Enumerable.Range(0, 10_000).Select(i => $"e{i:D5}").ToArray();
        var revisions = new long[ids.Length];
        await SeedAsync(tenant, Shuffled(ids, seed: 2).Select(id => Entry(id, ConnectionStatus.Pending)));
        var pagesBefore = (await ReadChainAsync(tenant)).Count;

        using var stop = new CancellationTokenSource();
        var (changes, inserts) = (0, 0);
        var churn = Task.Run(async () =>
        {
            var random = new Random(3);
            while (!stop.IsCancellationRequested)
            {
                var i = random.Next(ids.Length);
                if (random.Next(4) == 0)
                {
                    // Sorts right after an existing id: new entries land all over the index and split its pages.
                    await fixture.Index.Upsert(tenant, Entry($"{ids[i]}-{Interlocked.Increment(ref inserts)}", ConnectionStatus.Pending));
                }
                else
                {
                    var revision = Interlocked.Increment(ref revisions[i]) + 1;
                    await fixture.Index.Upsert(tenant, Entry(ids[i], Statuses[random.Next(Statuses.Length)], revision));
                    Interlocked.Increment(ref changes);
                }
            }
        });

        var listed = new List<string>();
        var sizes = new Random(4);
        string? cursor = null;
        do
        {
            var page = await fixture.Index.List(tenant, new ConnectionFilter(), cursor, sizes.Next(50, 201));
            listed.AddRange(page.Ids);
            cursor = page.Next;
            // Some changes and inserts land between every two pages.
            var seen = Volatile.Read(ref changes) + Volatile.Read(ref inserts);
            await ClusterWithSandbox.Eventually(() => Task.FromResult(Volatile.Read(ref changes) + Volatile.Read(ref inserts) >= seen + 10), because: "the churn goes on");
        }
        while (cursor is not null);
        await stop.CancelAsync();
        await churn;

        var originals = listed.Where(id => !id.Contains('-', StringComparison.Ordinal)).ToList();
        Assert.Equal(ids, originals);
        Assert.Equal(listed.Distinct().Order(StringComparer.Ordinal), listed);
        Assert.True(changes > 500 && inserts > 100, $"{changes} changes, {inserts} inserts");
        Assert.True((await ReadChainAsync(tenant)).Count > pagesBefore, "pages split during the listing");
    }

    [Theory]
    [InlineData("status")]
    [InlineData("provider")]
    [InlineData("integration")]
    [InlineData("one metadata pair")]
    [InlineData("two metadata pairs")]
    [InlineData("all of them")]
    public async Task Each_filter_returns_exactly_the_matching_ids(string filterName)
    {
        var tenant = IndexClusterFixture.NewTenant();
        var connections = Enumerable.Range(0, 200).Select(i => new
        {
            Id = $"f{i:D3}",
            Status = Statuses[i % 5],
            Provider = (i % 3) switch { 0 => null, 1 => "dropbox", _ => "slack" },
            Integration = i % 4 == 0 ? "crm" : null,
            Metadata = new Dictionary<string, string> { ["customer"] = $"c{i % 6}", ["region"] = i % 2 == 0 ? "eu" : "us" },
        }).ToList();
        await SeedAsync(tenant, Shuffled(connections, seed: 5).Select(c => new IndexEntry(c.Id, c.Status, c.Provider, c.Integration, MetadataHash.Of(c.Metadata), 1)));
        var filter = filterName switch
        {
            "status" => new ConnectionFilter(ConnectionStatus.Errored),
            "provider" => new ConnectionFilter(Provider: "dropbox"),
            "integration" => new ConnectionFilter(Integration: "crm"),
            "one metadata pair" => new ConnectionFilter(Metadata: new Dictionary<string, string> { ["customer"] = "c2" }),
            "two metadata pairs" => new ConnectionFilter(Metadata: new Dictionary<string, string> { ["customer"] = "c3", ["region"] = "us" }),
            _ => new ConnectionFilter(ConnectionStatus.Pending, "slack", null, new Dictionary<string, string> { ["region"] = "eu" }),
        };

        var expected = connections.Where(c => (filter.Status is null || c.Status == filter.Status)
            && (filter.Provider is null || c.Provider == filter.Provider)
            && (filter.Integration is null || c.Integration == filter.Integration)
            && (filter.Metadata ?? new Dictionary<string, string>()).All(p => c.Metadata[p.Key] == p.Value)).Select(c => c.Id).ToList();
        var listed = await ListAllAsync(tenant, filter, limit: 7);

        Assert.NotEmpty(expected);
        Assert.True(expected.Count < connections.Count);
        Assert.Equal(expected, listed);
    }

    [Fact]
    public async Task The_first_use_of_a_tenants_index_imports_the_legacy_index_once()
    {
        var tenant = IndexClusterFixture.NewTenant();
        var legacy = Enumerable.Range(0, 100).ToDictionary(i => $"old-{i:D3}", i => Statuses[i % 5]);
        await WriteLegacyAsync(tenant, legacy);

        var all = await ListAllAsync(tenant, new ConnectionFilter(), limit: 30);

        Assert.Equal(legacy.Keys.Order(StringComparer.Ordinal), all);
        Assert.True((await ReadChainAsync(tenant)).Count > 100 / IndexClusterFixture.PageSize, "laid out in pages");
        Assert.Equal(legacy.Where(c => c.Value == ConnectionStatus.Used).Select(c => c.Key).Order(StringComparer.Ordinal),
            await ListAllAsync(tenant, new ConnectionFilter(ConnectionStatus.Used)));
        // Provider and metadata were not in the legacy index: every entry is a candidate, for the API to check.
        Assert.Equal(all, await ListAllAsync(tenant, new ConnectionFilter(Provider: "dropbox", Metadata: new Dictionary<string, string> { ["customer"] = "acme" })));
        // Integrations came after it: none of those connections has one.
        Assert.Empty(await ListAllAsync(tenant, new ConnectionFilter(Integration: "crm")));

        await fixture.Index.Upsert(tenant, Entry("old-007", ConnectionStatus.Used, provider: "slack"));
        Assert.DoesNotContain("old-007", await ListAllAsync(tenant, new ConnectionFilter(Provider: "dropbox")));

        await WriteLegacyAsync(tenant, new Dictionary<string, ConnectionStatus>(legacy) { ["old-new"] = ConnectionStatus.Pending });
        await DeactivateIndexPagesAsync();
        Assert.Equal(all, await ListAllAsync(tenant, new ConnectionFilter()));
    }

    [Fact]
    public async Task Bytes_written_per_status_change_do_not_grow_with_the_tenants_size()
    {
        var small = await BytesPerChangeAsync(1_000);
        var large = await BytesPerChangeAsync(10_000);

        Assert.Equal(1.0, small.Writes);
        Assert.Equal(1.0, large.Writes);
        Assert.True(large.Bytes < 1.5 * small.Bytes, $"{large.Bytes:F0} bytes per change at 10,000 entries, {small.Bytes:F0} at 1,000");
    }

    [Fact]
    public async Task A_connection_pushes_its_entry_on_save_and_on_status_changes_and_leaves_the_index_when_deleted()
    {
        var tenant = IndexClusterFixture.NewTenant();
        var key = ConnectionKeys.For(tenant, "crm.sandbox");
        var settings = fixture.SandboxSettings() with { Provider = "sandbox", Metadata = new Dictionary<string, string> { ["customer"] = "acme" } };
        var acme = new ConnectionFilter(Provider: "sandbox", Metadata: new Dictionary<string, string> { ["customer"] = "acme" });

        var grain = await fixture.ConnectAsync(key, settings);
        Assert.Equal(["crm.sandbox"], await ListAllAsync(tenant, acme with { Status = ConnectionStatus.Configured }));

        await grain.ReportError("http_403", null);
        Assert.Equal(["crm.sandbox"], await ListAllAsync(tenant, acme with { Status = ConnectionStatus.Errored }));

        await grain.Save(settings with { Metadata = new Dictionary<string, string> { ["customer"] = "globex" } }, ClusterWithSandbox.RedirectUri);
        Assert.Empty(await ListAllAsync(tenant, acme));
        Assert.Equal(["crm.sandbox"], await ListAllAsync(tenant, acme with { Metadata = new Dictionary<string, string> { ["customer"] = "globex" } }));

        await grain.Delete();
        Assert.Empty(await ListAllAsync(tenant, new ConnectionFilter()));
    }

    [Fact]
    public async Task A_failed_callback_that_errors_the_connection_reaches_the_index()
    {
        var tenant = IndexClusterFixture.NewTenant();
        var grain = await fixture.ConnectAsync(ConnectionKeys.For(tenant, "x.sandbox"));
        var callback = await ClusterFixture.ConsentAsync(grain, approve: false);

        await AuthorizationCallback.Complete(fixture.Grains, callback);

        Assert.Equal(ConnectionStatus.Errored, (await grain.Get()).Status);
        Assert.Equal(["x.sandbox"], await ListAllAsync(tenant, new ConnectionFilter(ConnectionStatus.Errored)));
    }

    private async Task<(double Bytes, double Writes)> BytesPerChangeAsync(int size)
    {
        var tenant = IndexClusterFixture.NewTenant();
        var ids = Enumerable.Range(0, size).Select(i => $"b{i:D5}").ToArray();
        await SeedAsync(tenant, Shuffled(ids, seed: size).Select(id => Entry(id, ConnectionStatus.Pending)));
        var random = new Random(6);
        const int changes = 100;
        // Only the pages' writes: the directory learns pages with one-way calls that may still land meanwhile.
        var (bytes, writes) = fixture.Storage.WrittenOf("tenant-index-page");
        foreach (var id in ids.OrderBy(_ => random.Next()).Take(changes))
        {
            await fixture.Index.Upsert(tenant, Entry(id, ConnectionStatus.Configured, revision: 2));
        }

        var (bytesAfter, writesAfter) = fixture.Storage.WrittenOf("tenant-index-page");
        return ((bytesAfter - bytes) / (double)changes, (writesAfter - writes) / (double)changes);
    }

    private static IndexEntry Entry(string id, ConnectionStatus status, long revision = 1, string? provider = null) =>
        new(id, status, provider, null, [], revision);

    private static List<T> Shuffled<T>(IEnumerable<T> items, int seed)
    {
        var random = new Random(seed);
        return [.. items.OrderBy(_ => random.Next())];
    }

    private Task SeedAsync(string tenant, IEnumerable<IndexEntry> entries) =>
        Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (entry, _) => await fixture.Index.Upsert(tenant, entry));

    private async Task<List<string>> ListAllAsync(string tenant, ConnectionFilter filter, int limit = 200)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await fixture.Index.List(tenant, filter, cursor, limit);
            Assert.True(page.Next is null || page.Ids.Count == limit, "a page with more to come is full");
            ids.AddRange(page.Ids);
            cursor = page.Next;
        }
        while (cursor is not null);

        return ids;
    }

    /// <summary>The tenant's pages as stored, from the leftmost along the next pointers.</summary>
    private async Task<List<TenantIndexPage>> ReadChainAsync(string tenant)
    {
        var pages = new List<TenantIndexPage>();
        for (string? id = IndexPages.RootId; id is not null;)
        {
            var state = new GrainState<TenantIndexPage>(new TenantIndexPage());
            await Storage().ReadStateAsync("page", GrainId.Create("tenant-index-page", IndexPages.Key(tenant, id)), state);
            Assert.True(state.RecordExists, $"page {id} is stored");
            var page = state.State!;
            Assert.True(pages.Count == 0 || pages[^1].HighKey == page.LowKey, "each page starts where the one on its left ends");
            pages.Add(page);
            id = page.NextPageId;
        }

        return pages;
    }

    /// <summary>A row of the index as deployments before pages left it.</summary>
    private Task WriteLegacyAsync(string tenant, Dictionary<string, ConnectionStatus> connections)
    {
        var grainId = GrainId.Create("tenant-connections", tenant);
        var state = new GrainState<LegacyTenantConnectionsGrain.Index>(new LegacyTenantConnectionsGrain.Index
        {
            Connections = new SortedList<string, ConnectionStatus>(connections, StringComparer.Ordinal),
        });
        return WriteOverAsync("index", grainId, state);
    }

    private async Task WriteOverAsync<T>(string stateName, GrainId grainId, GrainState<T> state)
    {
        var current = new GrainState<T>();
        await Storage().ReadStateAsync(stateName, grainId, current);
        state.ETag = current.ETag;
        await Storage().WriteStateAsync(stateName, grainId, state);
    }

    private async Task DeactivateIndexPagesAsync()
    {
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await ClusterWithSandbox.Eventually(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            var stats = await management.GetSimpleGrainStatistics();
            return stats.Where(s => s.GrainType.Contains(nameof(TenantIndexPageGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount) == 0;
        }, because: "index pages deactivate");
    }

    private IGrainStorage Storage() => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
}
