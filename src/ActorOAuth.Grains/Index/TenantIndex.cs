using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Index;

/// <summary>
/// A tenant's index of its connections, for listing: pages of entries sorted by id (<see cref="ITenantIndexPageGrain"/>),
/// found through the tenant's directory (<see cref="ITenantIndexDirectoryGrain"/>). A change writes one page whatever
/// the tenant's size. Only needs an <see cref="IGrainFactory"/>: the connection grain and a cluster client use it alike.
/// </summary>
public sealed class TenantIndex(IGrainFactory grains)
{
    /// <summary>The largest page <see cref="List"/> returns.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>
    /// Stores the connection's entry, unless the index holds one with a revision at least as high (a late retry);
    /// writes nothing when only the revision would change. <see cref="IndexEntry.Revision"/> starts at 1.
    /// </summary>
    public async Task Upsert(string tenant, IndexEntry entry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entry.Revision, IndexEntry.ImportedRevision + 1);
        await OnPageOf(tenant, entry.ConnectionId, page => page.Upsert(entry));
    }

    /// <summary>Deletes the connection's entry (no tombstone).</summary>
    public Task Remove(string tenant, string connectionId) => OnPageOf(tenant, connectionId, page => page.Remove(connectionId));

    /// <summary>
    /// Up to <paramref name="limit"/> ids after <paramref name="cursor"/> (null: from the first), in ordinal order, whose
    /// entries match <paramref name="filter"/>: metadata by hash, and an entry imported from the legacy index matches
    /// every provider and metadata filter, so these are candidates for the caller to check. <c>Next</c> is the last id
    /// when at least one more candidate follows, else null. Ids present for the whole of a paging are each returned
    /// exactly once, whatever changes and splits meanwhile.
    /// </summary>
    public async Task<ConnectionIdPage> List(string tenant, ConnectionFilter filter, string? cursor, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        // One more than asked: whether another candidate follows is then known, not guessed.
        var wanted = limit + 1;
        var ids = new List<string>(wanted);
        var pageId = await Directory(tenant).Route(cursor ?? "");
        var walk = new Walk();
        while (true)
        {
            var after = ids.Count > 0 ? ids[^1] : cursor;
            var scan = await Page(tenant, pageId).Scan(filter, after, wanted - ids.Count);
            ids.AddRange(scan.Ids);
            if (ids.Count >= wanted || scan.Next is null)
            {
                break;
            }

            pageId = walk.To(scan.Next);
        }

        return ids.Count > limit ? new ConnectionIdPage(ids[..limit], ids[limit - 1]) : new ConnectionIdPage(ids, null);
    }

    /// <summary>Runs <paramref name="operation"/> on the page holding the id: the directory's page, then right as pages send it.</summary>
    private async Task OnPageOf(string tenant, string connectionId, Func<ITenantIndexPageGrain, Task<IndexPageRedirect?>> operation)
    {
        var directory = Directory(tenant);
        var pageId = await directory.Route(connectionId);
        var walk = new Walk();
        while (await operation(Page(tenant, pageId)) is { } redirect)
        {
            if (redirect.LowKey.Length > 0)
            {
                // The directory routed short of this page: teach it (one-way; a hint).
                await directory.Learn([redirect.LowKey]);
            }

            pageId = walk.To(redirect);
        }
    }

    private ITenantIndexPageGrain Page(string tenant, string pageId) => grains.GetGrain<ITenantIndexPageGrain>(IndexPages.Key(tenant, pageId));

    private ITenantIndexDirectoryGrain Directory(string tenant) => grains.GetGrain<ITenantIndexDirectoryGrain>(tenant);

    /// <summary>
    /// Follows redirects: to the right, each to a greater low key than the last, so a walk ends at the rightmost page;
    /// back to the leftmost page only a few times (a page that does not exist yet), or the index is broken.
    /// </summary>
    private sealed class Walk
    {
        private const int MaxRestarts = 3;
        private string _low = "";
        private int _restarts;

        public string To(IndexPageRedirect redirect)
        {
            if (redirect.LowKey.Length == 0)
            {
                if (++_restarts > MaxRestarts)
                {
                    throw new InvalidOperationException("The tenant index keeps sending back to its first page.");
                }
            }
            else if (string.CompareOrdinal(redirect.LowKey, _low) <= 0)
            {
                throw new InvalidOperationException($"The tenant index points left, from '{_low}' to '{redirect.LowKey}'.");
            }

            _low = redirect.LowKey;
            return redirect.PageId;
        }
    }
}
