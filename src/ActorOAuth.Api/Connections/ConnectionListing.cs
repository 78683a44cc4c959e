using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Index;

namespace ActorOAuth.Api.Connections;

/// <summary>
/// <c>GET /api/connections</c>: the query's filter, and a page of views filled from the tenant index's candidates, each
/// checked against the connection itself.
/// </summary>
public static class ConnectionListing
{
    public const string MetadataPrefix = "metadata.";

    /// <summary>
    /// The filter of <c>status</c>, <c>provider</c>, <c>integration</c> and every <c>metadata.{key}={value}</c>
    /// parameter, or validation errors keyed by parameter. An empty status, provider or integration filters nothing.
    /// </summary>
    public static ConnectionFilter? Parse(string? status, string? provider, string? integration, IQueryCollection query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        ConnectionStatus? parsedStatus = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<ConnectionStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _))
            {
                errors["status"] = ["Use pending, configured, used, errored or disconnected."];
            }

            parsedStatus = parsed;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (!name.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var key = name[MetadataPrefix.Length..];
            if (key.Length is 0 or > 100 || values.Count != 1 || values[0]!.Length > ConnectionSettingsValidator.MaxMetadataValueLength)
            {
                errors[Truncate(name)] = [$"One metadata.{{key}}={{value}} per key: keys of 1 to 100 characters, values of at most {ConnectionSettingsValidator.MaxMetadataValueLength}."];
                continue;
            }

            metadata[key] = values[0]!;
        }

        if (metadata.Count > ConnectionSettingsValidator.MaxMetadataEntries)
        {
            errors["metadata"] = [$"At most {ConnectionSettingsValidator.MaxMetadataEntries} metadata pairs."];
        }

        return errors.Count > 0 ? null : new ConnectionFilter(parsedStatus, NullIfEmpty(provider), NullIfEmpty(integration), metadata.Count == 0 ? null : metadata);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> views after <paramref name="cursor"/>: candidates from the index, kept when the
    /// connection exists and its view matches; asks the index again until the page is full or no candidate is left.
    /// <c>Next</c> is the last candidate looked at when more follow.
    /// </summary>
    public static async Task<ConnectionListResponse> Page(IGrainFactory grains, string tenant, ConnectionFilter filter, string? cursor, int limit)
    {
        var index = new TenantIndex(grains);
        var items = new List<ConnectionView>(limit);
        while (true)
        {
            var candidates = await index.List(tenant, filter, cursor, limit - items.Count);
            var views = await Task.WhenAll(candidates.Ids.Select(id => ViewOrNull(grains.GetGrain<IConnectionGrain>(ConnectionKeys.For(tenant, id)))));
            items.AddRange(views.OfType<ConnectionView>().Where(view => Shows(view, filter)));
            cursor = candidates.Next;
            if (cursor is null || items.Count == limit)
            {
                return new ConnectionListResponse(items, cursor);
            }
        }
    }

    /// <summary>Whether the view matches the filter exactly (the index matched metadata by hash only).</summary>
    public static bool Shows(ConnectionView view, ConnectionFilter filter) =>
        (filter.Status is not { } status || view.Status == status)
        && (filter.Provider is null || string.Equals(view.Provider, filter.Provider, StringComparison.Ordinal))
        && (filter.Integration is null || string.Equals(view.Integration, filter.Integration, StringComparison.Ordinal))
        && (filter.Metadata is null || filter.Metadata.All(pair => view.Metadata.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal)));

    /// <summary>The view, or null when the connection is gone (an index entry may outlive it).</summary>
    private static async Task<ConnectionView?> ViewOrNull(IConnectionGrain connection)
    {
        try
        {
            return await connection.Get();
        }
        catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.NotFound)
        {
            return null;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Truncate(string name) => name.Length <= 120 ? name : name[..120] + "…";
}
