using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains;

[GrainType("tenant-connections")]
public sealed class TenantConnectionsGrain(
    [PersistentState("index", GrainStorage.Name)] IPersistentState<TenantConnectionsGrain.Index> store) : Grain, ITenantConnectionsGrain
{
    public async Task Upsert(string connectionId, ConnectionStatus status)
    {
        if (store.State.Connections.TryGetValue(connectionId, out var known) && known == status)
        {
            return;
        }

        store.State.Connections[connectionId] = status;
        await store.WriteStateAsync();
    }

    public async Task Remove(string connectionId)
    {
        if (store.State.Connections.Remove(connectionId))
        {
            await store.WriteStateAsync();
        }
    }

    public Task<ConnectionIdPage> List(ConnectionStatus? status, string? cursor, int limit)
    {
        var connections = store.State.Connections;
        var start = cursor is null ? 0 : FirstAfter(connections.Keys, cursor);

        var ids = new List<string>(limit);
        string? next = null;
        for (var i = start; i < connections.Count; i++)
        {
            var (id, s) = (connections.Keys[i], connections.Values[i]);
            if (status is not null && s != status)
            {
                continue;
            }

            if (ids.Count == limit)
            {
                next = ids[^1];
                break;
            }

            ids.Add(id);
        }

        return Task.FromResult(new ConnectionIdPage(ids, next));
    }

    private static int FirstAfter(IList<string> sorted, string cursor)
    {
        var (low, high) = (0, sorted.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (string.CompareOrdinal(sorted[middle], cursor) <= 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>Connection ids in ordinal order with their statuses.</summary>
    [GenerateSerializer, Alias("ActorOAuth.TenantConnectionsIndex")]
    public sealed class Index
    {
        [Id(0)] public SortedList<string, ConnectionStatus> Connections { get; set; } = new(StringComparer.Ordinal);
    }
}
