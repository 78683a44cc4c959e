using ActorOAuth.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace ActorOAuth.Grains.Index;

/// <summary>
/// A tenant's routing hint: the low keys of its index pages, sorted. Written only when it learns a page (a split, an
/// import, or a walk that had to go right past what it knew); a failed write keeps what it learned in memory and is
/// tried again with the next thing it learns.
/// </summary>
[GrainType("tenant-index")]
public sealed partial class TenantIndexDirectoryGrain(
    [PersistentState("directory", GrainStorage.Name)] IPersistentState<TenantIndexDirectory> store,
    ILogger<TenantIndexDirectoryGrain> logger) : Grain, ITenantIndexDirectoryGrain
{
    private bool _unwritten;

    public Task<string> Route(string key)
    {
        var lows = store.State.LowKeys;
        var at = lows.BinarySearch(key, StringComparer.Ordinal);
        // The greatest low key not above the key; none (only the leftmost page's empty one): the leftmost page.
        var index = at >= 0 ? at : ~at - 1;
        return Task.FromResult(index < 0 ? IndexPages.RootId : IndexPages.IdFor(lows[index]));
    }

    public async Task Learn(IReadOnlyList<string> lowKeys)
    {
        var lows = store.State.LowKeys;
        foreach (var low in lowKeys)
        {
            var at = lows.BinarySearch(low, StringComparer.Ordinal);
            if (at < 0 && low.Length > 0)
            {
                lows.Insert(~at, low);
                _unwritten = true;
            }
        }

        if (!_unwritten)
        {
            return;
        }

        try
        {
            await store.WriteStateAsync();
            _unwritten = false;
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e, this.GetPrimaryKeyString());
            if (e is InconsistentStateException)
            {
                // Another activation wrote the row: read it again rather than fail every write from now on.
                DeactivateOnIdle();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant index directory {Tenant}: writing failed; kept in memory, written with the next page it learns")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string tenant);
}

/// <summary>A tenant's index directory as stored.</summary>
[GenerateSerializer, Alias("ActorOAuth.TenantIndexDirectory")]
public sealed class TenantIndexDirectory
{
    /// <summary>Low keys of known pages other than the leftmost, sorted ordinal.</summary>
    [Id(0)] public List<string> LowKeys { get; set; } = [];
}
