using System.Diagnostics;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace ActorOAuth.Grains.Handout;

/// <summary>
/// One connection's hand-outs outside its grain: the entry in its silo's <see cref="HandoutTable"/> (read by the
/// co-hosted API) and the leases held by API processes in cluster mode (<see cref="IHandoutCache"/>). Both exist only
/// while the connection is servable as it is (used, valid, not due, its <c>used</c> entry logged within the interval),
/// and both are withdrawn before any change of the connection runs: the table entry synchronously, every lease by its
/// holder's confirmation or, when a holder does not answer, by waiting until that lease has run out. So once a change
/// has answered, nothing hands out what it replaced.
/// </summary>
/// <remarks>
/// Leases are timed on the monotonic clock (real time, even when grain time is simulated): a holder counts its lease
/// from the moment it sent its request, so it ends before the one counted here. A silo that dies takes its holders
/// list with it; <see cref="ConnectionState.HandoutLeased"/> (written before the first lease of an activation, cleared
/// when a deactivation withdrew them all) tells the next activation to wait out one lease before its first change.
/// </remarks>
internal sealed partial class HandoutPublisher(
    string key,
    HandoutTable table,
    HandoutOptions options,
    ConnectionOptions connectionOptions,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// This connection's share of a quarter of <see cref="ConnectionOptions.UsedLogInterval"/> added to its table entry's
    /// <c>used</c> due time: connections first used together (a fleet seeded at once, a silo restarted) do not all
    /// tell their grains in the same second of every minute.
    /// </summary>
    private readonly TimeSpan _usedSpread = connectionOptions.UsedLogInterval / 4 * ((uint)StringComparer.Ordinal.GetHashCode(key) / (double)uint.MaxValue);

    private Dictionary<GrainId, (IHandoutCache Holder, long Until)>? _holders;
    private HandoutEntry? _local;
    private TokenSet? _localTokens;
    private DateTimeOffset? _lastFetchAt;
    private long _inheritedUntil;

    /// <summary>A change is under way: no lease is granted until it has finished (<see cref="Publish"/>).</summary>
    private bool _changing;

    /// <summary>The last fetch served outside the grain (table or leases), as far as collected.</summary>
    public DateTimeOffset? LastFetchAt => Later(_lastFetchAt, _local?.LastFetchAt);

    /// <summary>On activation: leases an earlier activation may have left are waited out before the first change.</summary>
    public void Activated(ConnectionState state)
    {
        if (state.HandoutLeased)
        {
            _inheritedUntil = Stopwatch.GetTimestamp() + Ticks(options.Lease + Margin);
        }
    }

    /// <summary>After a call that may have changed the connection: the table entry as the state now allows, leases granted again.</summary>
    public void Publish(ConnectionState state, DateTimeOffset? usedLoggedAt)
    {
        _changing = false;
        if (!table.LocalReads || !options.Enabled)
        {
            return;
        }

        // The table entry stays servable past the repeated `used` entry's due time: the fetch that finds it due tells the
        // connection (HandoutEntry.TryServe) and is not held up by it. Leases end at that time instead.
        if (Limits(state, usedLoggedAt, time.GetUtcNow()) is not { } limits)
        {
            WithdrawLocal();
            return;
        }

        // The same tokens and config and no change since: the entry (and the API's rendering of it) stays, only its limits move.
        if (Current(state) is { } current)
        {
            current.ExtendTo(limits.TokenUntil, limits.UsedDue);
            return;
        }

        WithdrawLocal();
        _local = new HandoutEntry(Connection.Handout(state.Tokens!, state.Config), limits.TokenUntil, limits.UsedDue);
        _localTokens = state.Tokens;
        table.Publish(key, _local);
    }

    /// <summary>Before a change: the table entry goes at once, every lease is withdrawn or waited out.</summary>
    public async Task WithdrawAsync()
    {
        _changing = true;
        WithdrawLocal();
        if (_holders is { Count: > 0 })
        {
            await WithdrawRemoteAsync(_holders, waitOut: true);
        }

        if (_inheritedUntil != 0)
        {
            if (Remaining(_inheritedUntil) is var left && left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }

            _inheritedUntil = 0;
        }
    }

    /// <summary>
    /// On deactivation: everything withdrawn, without waiting for holders that do not answer (the next activation waits
    /// them out). True when every lease is known to be gone, so the state's lease flag may be cleared.
    /// </summary>
    public async Task<bool> DeactivatingAsync(ConnectionState state)
    {
        _changing = true;
        WithdrawLocal();
        var answered = _holders is not { Count: > 0 } holders || await WithdrawRemoteAsync(holders, waitOut: false);
        return state.HandoutLeased && answered && Remaining(_inheritedUntil) <= TimeSpan.Zero;
    }

    /// <summary>No lease is granted until the next <see cref="Publish"/> (the lease flag's write is under way).</summary>
    public void HoldGrants() => _changing = true;

    /// <summary>Whether a lease may be granted now (it may still need the lease flag written first).</summary>
    public bool Grantable(ConnectionState state, DateTimeOffset? usedLoggedAt) =>
        options.Enabled && !_changing && ServeUntil(state, usedLoggedAt) is not null;

    /// <summary>Whether a lease could be granted now, but only once the lease flag is written (in turn).</summary>
    public bool NeedsFlag(ConnectionState state, DateTimeOffset? usedLoggedAt) => !state.HandoutLeased && Grantable(state, usedLoggedAt);

    /// <summary>
    /// A lease for <paramref name="holder"/> on the current state, or null: not grantable now, or (<paramref name="needsFlag"/>)
    /// not before the lease flag is written, in turn.
    /// </summary>
    public HandoutGrant? TryGrant(IHandoutCache holder, ConnectionState state, DateTimeOffset? usedLoggedAt, out bool needsFlag)
    {
        needsFlag = false;
        if (!options.Enabled || _changing || ServeUntil(state, usedLoggedAt) is not { } until)
        {
            return null;
        }

        if (!state.HandoutLeased)
        {
            needsFlag = true;
            return null;
        }

        var now = Stopwatch.GetTimestamp();
        _holders ??= [];
        foreach (var (id, lease) in _holders.Where(h => h.Value.Until <= now).ToList())
        {
            _holders.Remove(id);
        }

        _holders[holder.GetGrainId()] = (holder, now + Ticks(options.Lease));
        var token = Current(state)?.Token ?? Connection.Handout(state.Tokens!, state.Config);
        return new HandoutGrant(token, until, options.Lease);
    }

    /// <summary>The published entry, while it still hands out what the state holds (the same tokens and config).</summary>
    private HandoutEntry? Current(ConnectionState state) =>
        _local is { Withdrawn: false } local && ReferenceEquals(_localTokens, state.Tokens) && ReferenceEquals(local.Token.Config, state.Config)
            ? local
            : null;

    /// <summary>A holder's last fetch, reported with its lease request.</summary>
    public void Fetched(DateTimeOffset? at) => _lastFetchAt = Later(_lastFetchAt, at);

    /// <summary>Asks the holders for their last fetch (for a view's exact <c>lastUsedAt</c>); one that does not answer soon is skipped.</summary>
    public async Task CollectAsync()
    {
        var now = Stopwatch.GetTimestamp();
        var live = _holders?.Values.Where(h => h.Until > now).ToList() ?? [];
        if (live.Count == 0)
        {
            return;
        }

        await Task.WhenAll(live.Select(async h =>
        {
            try
            {
                Fetched(await h.Holder.LastFetch(key).WaitAsync(CollectTimeout));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCollectFailed(logger, e, key);
            }
        }));
    }

    /// <summary>
    /// Until when a lease may hand out the connection's token as it is: the token's expiry, its refresh due time, or when
    /// the next <c>used</c> entry is due, whichever is first; null when it may not be now (<see cref="Connection.ServableAsIs"/>).
    /// </summary>
    private DateTimeOffset? ServeUntil(ConnectionState state, DateTimeOffset? usedLoggedAt)
    {
        var now = time.GetUtcNow();
        return Limits(state, usedLoggedAt, now) is { } limits && limits.UsedDue > now
            ? (limits.UsedDue < limits.TokenUntil ? limits.UsedDue : limits.TokenUntil)
            : null;
    }

    /// <summary>
    /// Until when the token may be handed out as it is (its expiry or its refresh due time, whichever is first), and when
    /// the next <c>used</c> entry is due; null when the connection may not be served as it is now, or has not logged
    /// <c>used</c> in this activation.
    /// </summary>
    private (DateTimeOffset TokenUntil, DateTimeOffset UsedDue)? Limits(ConnectionState state, DateTimeOffset? usedLoggedAt, DateTimeOffset now)
    {
        if (usedLoggedAt is not { } logged || !Connection.ServableAsIs(state, now))
        {
            return null;
        }

        var until = DateTimeOffset.MaxValue;
        var tokens = state.Tokens!;
        if (tokens.ExpiresAt is { } expiry)
        {
            until = expiry;
        }

        if (tokens.RefreshToken is not null && state.Refresh.NextAt is { } next && next < until)
        {
            until = next;
        }

        return until > now ? (until, logged + connectionOptions.UsedLogInterval + _usedSpread) : null;
    }

    private void WithdrawLocal()
    {
        if (_local is { } entry)
        {
            table.Withdraw(key, entry);
            _lastFetchAt = Later(_lastFetchAt, entry.LastFetchAt);
            _local = null;
            _localTokens = null;
        }
    }

    /// <returns>Whether every holder whose lease had not ended confirmed.</returns>
    private async Task<bool> WithdrawRemoteAsync(Dictionary<GrainId, (IHandoutCache Holder, long Until)> all, bool waitOut)
    {
        var holders = all.Values.ToList();
        all.Clear();
        var answered = true;
        await Task.WhenAll(holders.Select(async h =>
        {
            var left = Remaining(h.Until);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                Fetched(await h.Holder.Withdraw(key).WaitAsync(left));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                answered = false;
                LogWithdrawUnconfirmed(logger, e, key, waitOut);
                if (waitOut && Remaining(h.Until) is var rest && rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest + Margin);
                }
            }
        }));
        return answered;
    }

    private static TimeSpan Remaining(long until) => until == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "Connection {Connection}: an API process did not confirm withdrawing its hand-out lease (waiting until it ends: {WaitingOut})")]
    private static partial void LogWithdrawUnconfirmed(ILogger logger, Exception exception, string connection, bool waitingOut);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "Connection {Connection}: an API process did not report its last fetch in time")]
    private static partial void LogCollectFailed(ILogger logger, Exception exception, string connection);
}

/// <summary>The hand-out's calls to the connection from the silo's table reader, in turn.</summary>
[Alias("ActorOAuth.IHandoutTurn")]
public interface IHandoutTurn : IGrainWithStringKey
{
    /// <summary>
    /// A fetch served from the silo's table found the repeated <c>used</c> entry due: the connection logs it in turn,
    /// as a fetch in turn would (the fetch itself did not wait). Sent by the reader, one fetch per due time.
    /// </summary>
    [Alias("UsedFromTable"), OneWay]
    Task UsedFromTable();
}
