using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Client.Tokens;

/// <summary>
/// The access tokens <c>AddConnectionToken</c> handlers attach, one entry per connection, shared by every handler of the
/// process (the factory recycles handlers; the cache outlives them). A token is reused until shortly before its
/// <c>expiresAt</c>; concurrent requests for a missing or stale token wait for one fetch. After a third party's 401 the
/// first caller reports it and fetches a forced refresh; callers that used the same rejected token get the new one.
/// </summary>
internal sealed partial class ConnectionTokenCache(
    IHttpClientFactory clients,
    IOptionsMonitor<ConnectionTokenOptions> options,
    TimeProvider time,
    ILogger<ConnectionTokenCache> logger)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A token for <paramref name="connectionId"/>: the cached one while it is fresh, else a fetched one.</summary>
    public async Task<ConnectionToken> GetAsync(string connectionId, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(connectionId, _ => new Entry());
        if (entry.Fresh(time.GetUtcNow()) is { } cached)
        {
            return cached;
        }

        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Fresh(time.GetUtcNow()) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            return Store(entry, await Client().Connections.GetTokenAsync(connectionId, forceRefresh: false, cancellationToken));
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>
    /// The third party refused <paramref name="rejected"/> with a 401: report it (<c>unauthorized</c>, which makes
    /// ActorOAuth refresh) and fetch a forced refresh, unless another request already replaced that token.
    /// </summary>
    public async Task<ConnectionToken> RenewAfterUnauthorizedAsync(string connectionId, ConnectionToken rejected, string message, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(connectionId, _ => new Entry());
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Fresh(time.GetUtcNow()) is { } current && current.AccessToken != rejected.AccessToken)
            {
                return current;
            }

            entry.Token = null;
            var client = Client();
            try
            {
                await client.Connections.ReportErrorAsync(connectionId, ActorOAuthProblemCodes.Unauthorized, message, cancellationToken);
                LogReported(logger, connectionId);
            }
            catch (ActorOAuthProblemException e)
            {
                // The forced refresh below is what recovers the connection; a report that could not be stored changes nothing.
                LogReportFailed(logger, connectionId, (int)e.Status, e.Code);
            }

            return Store(entry, await client.Connections.GetTokenAsync(connectionId, forceRefresh: true, cancellationToken));
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    private ConnectionToken Store(Entry entry, ConnectionToken token)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        entry.Token = token;
        entry.ReuseUntil = token.ExpiresAt is { } expiresAt ? expiresAt - settings.RefreshBeforeExpiry : now + settings.LifetimeWithoutExpiry;
        return token;
    }

    private ActorOAuthClient Client() => new(clients.CreateClient(ActorOAuthClient.HttpClientName), time);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId}: the third party answered 401; reported as unauthorized, fetching a refreshed token")]
    private static partial void LogReported(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId}: the third party answered 401; reporting it failed ({Status} {Code}), fetching a refreshed token anyway")]
    private static partial void LogReportFailed(ILogger logger, string connectionId, int status, string? code);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Lock = new(1, 1);

        public volatile ConnectionToken? Token;

        public DateTimeOffset ReuseUntil;

        public ConnectionToken? Fresh(DateTimeOffset now) => Token is { } token && now < ReuseUntil ? token : null;
    }
}
