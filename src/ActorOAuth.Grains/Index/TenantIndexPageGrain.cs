using ActorOAuth.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Index;

/// <summary>
/// One page of a tenant's index (a B-link tree's leaf): entries in [low key, high key), sorted by id, and the page to
/// the right. Every change writes this page's row and nothing else, except a split, which first writes the new right
/// page and then this one; the directory hears of the split afterwards, as a hint.
/// </summary>
[GrainType("tenant-index-page")]
public sealed class TenantIndexPageGrain(
    [PersistentState("page", GrainStorage.Name)] IPersistentState<TenantIndexPage> store,
    IOptions<TenantIndexOptions> options) : Grain, ITenantIndexPageGrain
{
    private readonly int _pageSize = options.Value.PageSize;
    private bool _loaded;

    private TenantIndexPage Page => store.State;

    private string Tenant => IndexPages.TenantOf(this.GetPrimaryKeyString());

    private bool IsRoot => this.GetPrimaryKeyString().EndsWith("/" + IndexPages.RootId, StringComparison.Ordinal);

    public async Task<IndexPageRedirect?> Upsert(IndexEntry entry)
    {
        if (await RedirectFor(entry.ConnectionId) is { } elsewhere)
        {
            return elsewhere;
        }

        var entries = Page.Entries;
        var at = Find(entry.ConnectionId);
        if (at >= 0)
        {
            var known = entries[at];
            if (entry.Revision <= known.Revision)
            {
                return null;
            }

            entries[at] = entry;
            if (IndexPages.SameData(known, entry))
            {
                // Only the revision moved: kept in memory (enough to refuse a late retry) and written with the next change.
                return null;
            }

            await Write();
            return null;
        }

        entries.Insert(~at, entry);
        if (entries.Count > _pageSize)
        {
            await Split();
        }
        else
        {
            await Write();
        }

        return null;
    }

    public async Task<IndexPageRedirect?> Remove(string connectionId)
    {
        if (await RedirectFor(connectionId) is { } elsewhere)
        {
            return elsewhere;
        }

        var at = Find(connectionId);
        if (at >= 0)
        {
            Page.Entries.RemoveAt(at);
            await Write();
        }

        return null;
    }

    public async Task<IndexPageScan> Scan(ConnectionFilter filter, string? after, int limit)
    {
        // A listing that comes from the page on the left continues after an id below this page's range (or from the
        // start); the directory never routes one here from further left than that.
        if (await RedirectFor(after ?? "", belowIsMine: true) is { } elsewhere)
        {
            return new IndexPageScan([], elsewhere);
        }

        var entries = Page.Entries;
        var start = after is null ? 0 : Find(after) is var at && at >= 0 ? at + 1 : ~at;
        var hashes = MetadataHash.Of(filter.Metadata);
        var ids = new List<string>(Math.Min(limit, entries.Count - start));
        for (var i = start; i < entries.Count && ids.Count < limit; i++)
        {
            if (IndexPages.Matches(entries[i], filter, hashes))
            {
                ids.Add(entries[i].ConnectionId);
            }
        }

        var next = Page.NextPageId is { } nextId ? new IndexPageRedirect(nextId, Page.HighKey!) : null;
        return new IndexPageScan(ids, next);
    }

    public async Task Create(IndexPageImage image)
    {
        store.State = new TenantIndexPage
        {
            Exists = true,
            LowKey = image.LowKey,
            HighKey = image.HighKey,
            NextPageId = image.NextPageId,
            Entries = [.. image.Entries],
        };
        _loaded = true;
        await Write();
    }

    /// <summary>Null when <paramref name="key"/> is in this page's range (or below it, if that is mine too); else where to send it.</summary>
    private async ValueTask<IndexPageRedirect?> RedirectFor(string key, bool belowIsMine = false)
    {
        await Load();
        if (!Page.Exists || (!belowIsMine && string.CompareOrdinal(key, Page.LowKey) < 0))
        {
            // Neither the directory nor a next pointer leads here (their pages exist and start at or below the key):
            // start again from the leftmost page, which holds everything from the empty id up.
            return IndexPages.Root;
        }

        return Page.HighKey is { } high && string.CompareOrdinal(key, high) >= 0 ? new IndexPageRedirect(Page.NextPageId!, high) : null;
    }

    /// <summary>The leftmost page of a tenant with no pages yet starts as the legacy index's content.</summary>
    private async ValueTask Load()
    {
        if (_loaded)
        {
            return;
        }

        if (!Page.Exists && IsRoot)
        {
            await Import();
        }

        _loaded = true;
    }

    /// <summary>
    /// Lays the legacy entries out in pages three quarters full: every page right of this one first, then this one (the
    /// import is done once this row exists), then tells the directory. An import that fails part way is repeated whole
    /// on the next activation; the pages it rewrites get the same ids, and none was reachable yet.
    /// </summary>
    private async Task Import()
    {
        var legacy = await GrainFactory.GetGrain<ILegacyTenantConnectionsGrain>(Tenant).Export();
        var entries = legacy.DistinctBy(e => e.ConnectionId).OrderBy(e => e.ConnectionId, StringComparer.Ordinal).ToList();
        var fill = Math.Max(1, _pageSize * 3 / 4);
        var chunks = entries.Chunk(fill).ToList();
        var lows = chunks.Select((chunk, i) => i == 0 ? "" : chunk[0].ConnectionId).ToList();
        await Task.WhenAll(Enumerable.Range(1, Math.Max(0, chunks.Count - 1)).Select(i =>
            PageGrain(IndexPages.IdFor(lows[i])).Create(new IndexPageImage(lows[i], HighKeyOf(i + 1), NextIdOf(i + 1), chunks[i]))));

        store.State = new TenantIndexPage
        {
            Exists = true,
            HighKey = HighKeyOf(1),
            NextPageId = NextIdOf(1),
            Entries = chunks.Count == 0 ? [] : [.. chunks[0]],
        };
        if (entries.Count == 0)
        {
            // Nothing to import: the first change writes the page.
            return;
        }

        await Write();
        await Directory().Learn(lows.Skip(1).ToList());

        string? HighKeyOf(int i) => i < lows.Count ? lows[i] : null;
        string? NextIdOf(int i) => i < lows.Count ? IndexPages.IdFor(lows[i]) : null;
    }

    /// <summary>Moves the upper half to a new page on the right: that page is written first, so a failure here loses nothing.</summary>
    private async Task Split()
    {
        var entries = Page.Entries;
        var half = entries.Count / 2;
        var low = entries[half].ConnectionId;
        var rightId = IndexPages.IdFor(low);
        try
        {
            await PageGrain(rightId).Create(new IndexPageImage(low, Page.HighKey, Page.NextPageId, entries[half..]));
        }
        catch
        {
            // This activation holds an entry it never wrote: start again from storage.
            DeactivateOnIdle();
            throw;
        }

        entries.RemoveRange(half, entries.Count - half);
        Page.HighKey = low;
        Page.NextPageId = rightId;
        await Write();
        await Directory().Learn([low]);
    }

    private async Task Write()
    {
        try
        {
            await store.WriteStateAsync();
        }
        catch
        {
            // Memory is ahead of storage (or the row moved on under another writer): start again from storage.
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>The entry's index, or the bitwise complement of where it would go.</summary>
    private int Find(string connectionId)
    {
        var entries = Page.Entries;
        var (low, high) = (0, entries.Count - 1);
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var order = string.CompareOrdinal(entries[middle].ConnectionId, connectionId);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    private ITenantIndexPageGrain PageGrain(string pageId) => GrainFactory.GetGrain<ITenantIndexPageGrain>(IndexPages.Key(Tenant, pageId));

    private ITenantIndexDirectoryGrain Directory() => GrainFactory.GetGrain<ITenantIndexDirectoryGrain>(Tenant);
}

/// <summary>One page of a tenant's index as stored.</summary>
[GenerateSerializer, Alias("ActorOAuth.TenantIndexPage")]
public sealed class TenantIndexPage
{
    /// <summary>False until the page is created (the leftmost page: until its first write).</summary>
    [Id(0)] public bool Exists { get; set; }

    /// <summary>The least id the page may hold; fixed for the page's life.</summary>
    [Id(1)] public string LowKey { get; set; } = "";

    /// <summary>The least id the page may not hold (the right page's low key); null on the rightmost page.</summary>
    [Id(2)] public string? HighKey { get; set; }

    [Id(3)] public string? NextPageId { get; set; }

    /// <summary>Sorted by id, ordinal.</summary>
    [Id(4)] public List<IndexEntry> Entries { get; set; } = [];
}
