using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Orleans.Concurrency;

namespace ActorOAuth.Abstractions;

/// <summary>
/// What a tenant's index holds of one connection: what listings filter on. Metadata is kept as hashes of its pairs
/// (<see cref="MetadataHash"/>), so an entry stays small whatever the metadata's size; a hash match is a candidate
/// only, which the API checks against the connection itself.
/// </summary>
/// <param name="Revision">
/// Grows with every change of the connection: the index ignores an entry whose revision is not above the one it holds,
/// so a late retry never overwrites newer data. <see cref="ImportedRevision"/> marks an entry imported from the
/// legacy index, which knew only the status.
/// </param>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IndexEntry")]
public sealed record IndexEntry(
    [property: Id(0)] string ConnectionId,
    [property: Id(1)] ConnectionStatus Status,
    [property: Id(2)] string? Provider,
    [property: Id(3)] string? Integration,
    [property: Id(4)] IReadOnlyList<long> MetadataHashes,
    [property: Id(5)] long Revision)
{
    /// <summary>
    /// The revision of an entry imported from the legacy index: its provider and metadata are unknown, so it matches
    /// every provider and metadata filter (the API's check against the connection decides). Connections push
    /// revisions from 1 up, so their first entry replaces it.
    /// </summary>
    public const long ImportedRevision = 0;
}

/// <summary>What a listing keeps: every given criterion must match; null (or no metadata) matches anything.</summary>
/// <param name="Metadata">Pairs the connection's metadata must all contain, compared exactly.</param>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionFilter")]
public sealed record ConnectionFilter(
    [property: Id(0)] ConnectionStatus? Status = null,
    [property: Id(1)] string? Provider = null,
    [property: Id(2)] string? Integration = null,
    [property: Id(3)] IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>The index's hash of a metadata pair: the first 8 bytes of SHA-256 over the key, a NUL and the value (UTF-8).</summary>
public static class MetadataHash
{
    public static long Of(string key, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(key + "\0" + value);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return BinaryPrimitives.ReadInt64LittleEndian(hash);
    }

    /// <summary>The hashes of every pair, in ascending order.</summary>
    public static IReadOnlyList<long> Of(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is null or { Count: 0 } ? [] : [.. metadata.Select(pair => Of(pair.Key, pair.Value)).Order()];
}

/// <summary>
/// A tenant index page: up to a configured number of entries with ids in [its low key, its high key), in ordinal
/// order, and the id of the page to its right. Keyed <c>{tenant}/{pageId}</c>; the leftmost page, <c>0</c>, exists
/// from the tenant's first use. A page that grows too big moves its upper half to a new page on its right; pages never
/// merge. An operation sent to a page that does not hold the id answers where to go instead.
/// </summary>
[Alias("ActorOAuth.ITenantIndexPageGrain")]
public interface ITenantIndexPageGrain : IGrainWithStringKey
{
    /// <summary>Stores the entry unless the page holds one with a revision at least as high; null when done here.</summary>
    [Alias("Upsert")]
    Task<IndexPageRedirect?> Upsert(IndexEntry entry);

    /// <summary>Deletes the entry; null when done here (or there was none).</summary>
    [Alias("Remove")]
    Task<IndexPageRedirect?> Remove(string connectionId);

    /// <summary>
    /// Up to <paramref name="limit"/> ids after <paramref name="after"/> (null: from the start) whose entries match,
    /// in ordinal order, and the page to continue with. A page whose range ends before <paramref name="after"/>
    /// answers no ids and the page to try instead.
    /// </summary>
    [Alias("Scan")]
    Task<IndexPageScan> Scan(ConnectionFilter filter, string? after, int limit);

    /// <summary>Makes this page the given one, whatever it held: a splitting page creates its right sibling with it.</summary>
    [Alias("Create")]
    Task Create(IndexPageImage image);
}

/// <summary>
/// A tenant's routing hint, keyed by tenant: the low key of every index page it has heard of. Routing through it
/// saves walking pages from the left; correctness never depends on it being current, since pages send on what is
/// not theirs.
/// </summary>
[Alias("ActorOAuth.ITenantIndexDirectoryGrain")]
public interface ITenantIndexDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The id of the known page with the greatest low key not above <paramref name="key"/>.</summary>
    [Alias("Route"), ReadOnly]
    Task<string> Route(string key);

    /// <summary>Records pages by their low keys (a split, an import, a walk that found the hint behind).</summary>
    [Alias("Learn"), OneWay]
    Task Learn(IReadOnlyList<string> lowKeys);
}

/// <summary>
/// The legacy tenant index (one row of every id and status, grain type <c>tenant-connections</c>), read once when a
/// tenant's paged index is first used.
/// </summary>
[Alias("ActorOAuth.ILegacyTenantConnectionsGrain")]
public interface ILegacyTenantConnectionsGrain : IGrainWithStringKey
{
    /// <summary>Every connection the legacy index holds, in ordinal order, as <see cref="IndexEntry.ImportedRevision"/> entries.</summary>
    [Alias("Export")]
    Task<IReadOnlyList<IndexEntry>> Export();
}

/// <summary>The page to send an operation to instead, and its low key (which the directory may not know yet).</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IndexPageRedirect")]
public sealed record IndexPageRedirect([property: Id(0)] string PageId, [property: Id(1)] string LowKey);

/// <summary>Matching ids of one page and where the listing goes on (null after the last page).</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IndexPageScan")]
public sealed record IndexPageScan([property: Id(0)] IReadOnlyList<string> Ids, [property: Id(1)] IndexPageRedirect? Next);

/// <summary>A whole page: its range [<paramref name="LowKey"/>, <paramref name="HighKey"/>) (null: unbounded), right sibling and entries.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IndexPageImage")]
public sealed record IndexPageImage(
    [property: Id(0)] string LowKey,
    [property: Id(1)] string? HighKey,
    [property: Id(2)] string? NextPageId,
    [property: Id(3)] IReadOnlyList<IndexEntry> Entries);
