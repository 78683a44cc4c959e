using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Index;

/// <summary>Page ids and grain keys of a tenant's index, and what an entry must hold to match a filter.</summary>
public static class IndexPages
{
    /// <summary>The leftmost page's id: it holds ids from the empty string up and is the only page with no creator.</summary>
    public const string RootId = "0";

    /// <summary>Where a walk starts over when a page finds it was sent something below its range.</summary>
    internal static readonly IndexPageRedirect Root = new(RootId, "");

    /// <summary>
    /// A page's id, from its low key. Low keys are unique for good (a split's key lies strictly inside the splitting
    /// page's range, and ranges only shrink), so a page written again after a failed split gets the same id.
    /// </summary>
    public static string IdFor(string lowKey) =>
        lowKey.Length == 0 ? RootId : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lowKey)).AsSpan(0, 16));

    public static string Key(string tenant, string pageId) => $"{tenant}/{pageId}";

    /// <summary>The tenant of a page key: everything before its last slash (page ids have none).</summary>
    public static string TenantOf(string pageKey) => pageKey[..pageKey.LastIndexOf('/')];

    /// <summary>
    /// Whether an entry is a candidate for the filter: equal status, provider and integration, and a hash for every
    /// metadata pair (<paramref name="metadataHashes"/>, from <see cref="MetadataHash.Of(IReadOnlyDictionary{string, string}?)"/>).
    /// </summary>
    internal static bool Matches(IndexEntry entry, ConnectionFilter filter, IReadOnlyList<long> metadataHashes)
    {
        if (filter.Status is { } status && entry.Status != status)
        {
            return false;
        }

        // No integrations existed before pages, so an imported entry's null integration is known, not missing.
        if (filter.Integration is { } integration && !string.Equals(entry.Integration, integration, StringComparison.Ordinal))
        {
            return false;
        }

        if (entry.Revision == IndexEntry.ImportedRevision)
        {
            return true;
        }

        return (filter.Provider is not { } provider || string.Equals(entry.Provider, provider, StringComparison.Ordinal))
            && metadataHashes.All(entry.MetadataHashes.Contains);
    }

    /// <summary>The same status, provider, integration and metadata: storing it would change nothing but the revision.</summary>
    internal static bool SameData(IndexEntry a, IndexEntry b) =>
        a.Status == b.Status
        && string.Equals(a.Provider, b.Provider, StringComparison.Ordinal)
        && string.Equals(a.Integration, b.Integration, StringComparison.Ordinal)
        && a.MetadataHashes.SequenceEqual(b.MetadataHashes);
}
