using System.Collections.Concurrent;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Handout;

/// <summary>
/// The silo's table of token hand-outs that need no grain call, one entry per used, valid, not-due connection active
/// on this silo, published and withdrawn only by the connection itself (<see cref="HandoutPublisher"/>). The API
/// co-hosted in the same process (the embedded default) reads it directly. A silo without such a reader keeps it
/// empty (<see cref="LocalReads"/>).
/// </summary>
public sealed class HandoutTable
{
    private readonly ConcurrentDictionary<string, HandoutEntry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HandoutEntry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public HandoutTable(bool localReads = false)
    {
        LocalReads = localReads;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Whether something in this process reads the table (otherwise connections publish nothing here).</summary>
    public bool LocalReads { get; }

    public int Count => _entries.Count;

    /// <summary>The entry of <c>{tenant}/{connectionId}</c>, or null; the key is put together on the stack.</summary>
    public HandoutEntry? Find(string tenant, string connectionId)
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
        return _bySpan.TryGetValue(key, out var entry) ? entry : null;
    }

    internal void Publish(string key, HandoutEntry entry) => _entries[key] = entry;

    /// <summary>Removes <paramref name="entry"/> (only that one) and marks it withdrawn, so a reader holding it stops too.</summary>
    internal void Withdraw(string key, HandoutEntry entry)
    {
        entry.MarkWithdrawn();
        _entries.TryRemove(KeyValuePair.Create(key, entry));
    }
}

/// <summary>
/// One connection's published hand-out: the very <see cref="AccessTokenResult"/> its grain would answer, until when it
/// may be handed out (the token's expiry or its refresh due time, whichever is first), when the connection's next
/// <c>used</c> entry is due, and the time of the last fetch served from it, which the connection collects for
/// <c>lastUsedAt</c>.
/// </summary>
public sealed class HandoutEntry(AccessTokenResult token, DateTimeOffset serveUntil, DateTimeOffset usedDue)
{
    /// <summary>How long a fetch that told the connection its <c>used</c> entry is due waits before another fetch tells it again.</summary>
    public static readonly TimeSpan UsedRetell = TimeSpan.FromSeconds(10);

    private long _serveUntilTicks = serveUntil.UtcTicks;
    private long _usedDueTicks = usedDue.UtcTicks;
    private long _lastFetchTicks;
    private int _withdrawn;

    public AccessTokenResult Token { get; } = token;

    /// <summary>A slot for the reader's rendering of <see cref="Token"/> (the API's response), made once per entry.</summary>
    public object? Rendered { get; set; }

    public DateTimeOffset ServeUntil => new(Volatile.Read(ref _serveUntilTicks), TimeSpan.Zero);

    /// <summary>When the connection's next <c>used</c> entry is due (a fetch after it tells the connection).</summary>
    public DateTimeOffset UsedDue => new(Volatile.Read(ref _usedDueTicks), TimeSpan.Zero);

    public bool Withdrawn => Volatile.Read(ref _withdrawn) != 0;

    /// <summary>The last fetch served from this entry, if any.</summary>
    public DateTimeOffset? LastFetchAt => Volatile.Read(ref _lastFetchTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>
    /// Whether the token may be handed out at <paramref name="now"/>; if so the fetch is counted. The fetch is recorded
    /// before the withdrawn flag is read, and the connection marks the entry withdrawn before it reads the last fetch,
    /// so every fetch served from the entry is seen by its connection. <paramref name="usedDue"/>: this fetch is the
    /// one (of all the fetches at and after the due time, until <see cref="UsedRetell"/> has passed) that is to tell
    /// the connection its <c>used</c> entry is due.
    /// </summary>
    public bool TryServe(DateTimeOffset now, out bool usedDue)
    {
        usedDue = false;
        var ticks = now.UtcTicks;
        if (ticks >= Volatile.Read(ref _serveUntilTicks))
        {
            return false;
        }

        long seen;
        while ((seen = Volatile.Read(ref _lastFetchTicks)) < ticks && Interlocked.CompareExchange(ref _lastFetchTicks, ticks, seen) != seen)
        {
        }

        if (Volatile.Read(ref _withdrawn) != 0)
        {
            return false;
        }

        var due = Volatile.Read(ref _usedDueTicks);
        usedDue = ticks >= due && Interlocked.CompareExchange(ref _usedDueTicks, ticks + UsedRetell.Ticks, due) == due;
        return true;
    }

    internal void ExtendTo(DateTimeOffset serveUntil, DateTimeOffset usedDue)
    {
        Volatile.Write(ref _serveUntilTicks, serveUntil.UtcTicks);
        Volatile.Write(ref _usedDueTicks, usedDue.UtcTicks);
    }

    internal void MarkWithdrawn() => Interlocked.Exchange(ref _withdrawn, 1);
}
