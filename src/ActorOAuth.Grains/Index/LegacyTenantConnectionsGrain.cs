using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Index;

/// <summary>
/// The tenant index before pages: one row per tenant of every id and status, rewritten whole on each change. Kept only
/// so a tenant's first page can import it (<see cref="TenantIndexPageGrain"/>); nothing writes it any more.
/// </summary>
[GrainType("tenant-connections")]
public sealed class LegacyTenantConnectionsGrain(
    [PersistentState("index", GrainStorage.Name)] IPersistentState<LegacyTenantConnectionsGrain.Index> store) : Grain, ILegacyTenantConnectionsGrain
{
    public Task<IReadOnlyList<IndexEntry>> Export()
    {
        IReadOnlyList<IndexEntry> entries =
        [
            .. store.State.Connections.Select(c => new IndexEntry(c.Key, c.Value, null, null, [], IndexEntry.ImportedRevision)),
        ];
        DeactivateOnIdle();
        return Task.FromResult(entries);
    }

    /// <summary>Connection ids in ordinal order with their statuses.</summary>
    [GenerateSerializer, Alias("ActorOAuth.TenantConnectionsIndex")]
    public sealed class Index
    {
        [Id(0)] public SortedList<string, ConnectionStatus> Connections { get; set; } = new(StringComparer.Ordinal);
    }
}
