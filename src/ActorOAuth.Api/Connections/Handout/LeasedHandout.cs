using System.Collections.Concurrent;
using System.Diagnostics;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.Connections.Handout;

/// <summary>
/// Cluster mode: this API process's own copies of hand-outs, each under a lease its connection granted
/// (<see cref="IConnectionHandout.Lease"/>). A copy is handed out while its lease runs, its connection's clock allows
/// (expiry, refresh due time, next <c>used</c> entry) and its connection has not withdrawn it; a lease is renewed in the
/// background once 60 % of it has passed, so a busy connection is asked about once per lease.
/// </summary>
/// <remarks>
/// What a partitioned process can serve: a copy whose lease it holds, for at most the lease
/// (<c>ActorOAuth:Handout:Lease</c>, counted from when it sent the request that got it, less 10 %): no longer, whether or
/// not it hears from the cluster. A connection's change does not answer until every holder confirmed the withdrawal or
/// that lease has run out, so nothing this process serves outlives a change that has answered. A grant that arrives
/// after a withdrawal sent later than its request (a reply overtaken by the withdrawal) is dropped: each copy and each
/// withdrawal carries the withdrawal count it was made at.
/// </remarks>
public sealed class LeasedHandout : TokenHandout, IHandoutCache, IDisposable
{
    private static readonly TimeSpan TombstoneAge = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, HeldLease> _leases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HeldLease>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ITimer _purge;
    private IHandoutCache? _self;
    private long _withdrawals;

    public LeasedHandout(IGrainFactory grains, TokenRenderer renderer, IServiceProvider services) : base(renderer)
    {
        _grains = grains;
        _bySpan = _leases.GetAlternateLookup<ReadOnlySpan<char>>();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _purge = TimeProvider.System.CreateTimer(_ => Purge(), null, TombstoneAge, TombstoneAge);
    }

    /// <summary>How many copies are held (tombstones of withdrawn ones included).</summary>
    public int Count => _leases.Count;

    private IHandoutCache Self => _self ?? Interlocked.CompareExchange(ref _self, _grains.CreateObjectReference<IHandoutCache>(this), null) ?? _self!;

    public override IResult? TryServe(string tenant, string connectionId)
    {
        var length = tenant.Length + 1 + connectionId.Length;
        if (length > 512)
        {
            return null;
        }

        Span<char> key = stackalloc char[length];
        tenant.CopyTo(key);
        key[tenant.Length] = '/';
        connectionId.CopyTo(key[(tenant.Length + 1)..]);
        if (!_bySpan.TryGetValue(key, out var lease) || lease.Body is not { } body)
        {
            return null;
        }

        var now = Stopwatch.GetTimestamp();
        if (now >= lease.Until || !lease.TryServe(_time.GetUtcNow()))
        {
            return null;
        }

        if (now >= lease.RenewAt && lease.StartRenewal())
        {
            _ = RenewAsync(lease);
        }

        return body;
    }

    public override async Task<IResult> FetchAsync(IConnectionGrain connection, string tenant, string connectionId, bool forceRefresh)
    {
        var key = ConnectionKeys.For(tenant, connectionId);
        var held = _leases.GetValueOrDefault(key);
        var grant = await RequestAsync(connection.AsReference<IConnectionHandout>(), key, forceRefresh, held?.LastFetchAt);
        return grant.Installed?.Body ?? Renderer.Render(grant.Grant.Token);
    }

    public Task<DateTimeOffset?> Withdraw(string connectionKey)
    {
        var tombstone = HeldLease.Tombstone(Interlocked.Increment(ref _withdrawals));
        DateTimeOffset? last = null;
        _leases.AddOrUpdate(connectionKey, tombstone, (_, existing) =>
        {
            existing.MarkWithdrawn();
            last = existing.LastFetchAt;
            return tombstone;
        });
        return Task.FromResult(last);
    }

    public Task<DateTimeOffset?> LastFetch(string connectionKey) => Task.FromResult(_leases.GetValueOrDefault(connectionKey)?.LastFetchAt);

    public void Dispose() => _purge.Dispose();

    private async Task<(HandoutGrant Grant, HeldLease? Installed)> RequestAsync(IConnectionHandout connection, string key, bool forceRefresh, DateTimeOffset? lastFetchAt)
    {
        var withdrawals = Volatile.Read(ref _withdrawals);
        var sent = Stopwatch.GetTimestamp();
        var grant = await connection.Lease(Self, forceRefresh, lastFetchAt);
        return (grant, grant.Lease > TimeSpan.Zero ? Install(key, grant, sent, withdrawals) : null);
    }

    /// <summary>Keeps a grant unless a withdrawal (or a grant) newer than its request is there already.</summary>
    private HeldLease? Install(string key, HandoutGrant grant, long sent, long withdrawals)
    {
        var lease = new HeldLease(key, grant, sent, withdrawals);
        // The same hand-out as the copy held (no withdrawal came between): its response is reused.
        if (_leases.TryGetValue(key, out var held) && held.Body is { } body && held.Grant!.Token.AccessToken == grant.Token.AccessToken)
        {
            lease.Reuse(body);
        }
        else
        {
            lease.Render(Renderer);
        }

        var kept = _leases.AddOrUpdate(key, lease, (_, existing) =>
        {
            if (existing.Epoch > withdrawals)
            {
                return existing;
            }

            lease.CountFrom(existing);
            return lease;
        });
        return ReferenceEquals(kept, lease) ? lease : null;
    }

    private async Task RenewAsync(HeldLease lease)
    {
        try
        {
            await RequestAsync(_grains.GetGrain<IConnectionHandout>(lease.Key), lease.Key, forceRefresh: false, lease.LastFetchAt);
        }
        catch (Exception)
        {
            // The lease runs out by itself; the next fetch after it asks the connection in the foreground.
        }
    }

    private void Purge()
    {
        var oldest = Stopwatch.GetTimestamp() - (long)(TombstoneAge.TotalSeconds * Stopwatch.Frequency);
        foreach (var (key, lease) in _leases)
        {
            if (lease.Body is null ? lease.CreatedAt < oldest : lease.Until < oldest)
            {
                _leases.TryRemove(KeyValuePair.Create(key, lease));
            }
        }
    }

    /// <summary>One held copy, or the tombstone of a withdrawn one (no body).</summary>
    private sealed class HeldLease
    {
        private long _lastFetchTicks;
        private int _withdrawn;
        private int _renewing;

        public HeldLease(string key, HandoutGrant grant, long sent, long epoch)
        {
            Key = key;
            Grant = grant;
            Epoch = epoch;
            CreatedAt = sent;
            var lease = grant.Lease.TotalSeconds * Stopwatch.Frequency;
            Until = sent + (long)(lease * 0.9);
            RenewAt = sent + (long)(lease * 0.6);
            ServeUntilTicks = grant.ServeUntil.UtcTicks;
        }

        private HeldLease(long epoch)
        {
            Key = "";
            Epoch = epoch;
            CreatedAt = Stopwatch.GetTimestamp();
        }

        public string Key { get; }

        public HandoutGrant? Grant { get; }

        /// <summary>The withdrawal count its request was sent at (a tombstone: its own).</summary>
        public long Epoch { get; }

        public long CreatedAt { get; }

        public long Until { get; }

        public long RenewAt { get; }

        public long ServeUntilTicks { get; }

        public IResult? Body { get; private set; }

        public DateTimeOffset? LastFetchAt => Volatile.Read(ref _lastFetchTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

        public static HeldLease Tombstone(long epoch) => new(epoch);

        public void Render(TokenRenderer renderer) => Body = renderer.Render(Grant!.Token);

        /// <summary>Counts the fetch, then checks the withdrawal (which marks before it reads the count): none is missed.</summary>
        public bool TryServe(DateTimeOffset now)
        {
            var ticks = now.UtcTicks;
            if (ticks >= ServeUntilTicks)
            {
                return false;
            }

            long seen;
            while ((seen = Volatile.Read(ref _lastFetchTicks)) < ticks && Interlocked.CompareExchange(ref _lastFetchTicks, ticks, seen) != seen)
            {
            }

            return Volatile.Read(ref _withdrawn) == 0;
        }

        public bool StartRenewal() => Interlocked.Exchange(ref _renewing, 1) == 0;

        public void MarkWithdrawn() => Interlocked.Exchange(ref _withdrawn, 1);

        public void Reuse(IResult body) => Body = body;

        /// <summary>Keeps the last fetch counted on the copy this one replaces.</summary>
        public void CountFrom(HeldLease previous)
        {
            if (previous.LastFetchAt is { } last && last.UtcTicks > Volatile.Read(ref _lastFetchTicks))
            {
                Volatile.Write(ref _lastFetchTicks, last.UtcTicks);
            }
        }
    }
}
