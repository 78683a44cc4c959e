using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Index;

/// <summary>A tenant's index of its connections, for listing.</summary>
public sealed class TenantIndex(IGrainFactory grains)
{
    public Task Upsert(string tenant, IndexEntry entry) => grains.GetGrain<ITenantConnectionsGrain>(tenant).Upsert(entry.ConnectionId, entry.Status);

    public Task Remove(string tenant, string connectionId) => grains.GetGrain<ITenantConnectionsGrain>(tenant).Remove(connectionId);

    public Task<ConnectionIdPage> List(string tenant, ConnectionFilter filter, string? cursor, int limit) =>
        grains.GetGrain<ITenantConnectionsGrain>(tenant).List(filter.Status, cursor, limit);
}
