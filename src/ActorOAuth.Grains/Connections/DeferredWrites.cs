namespace ActorOAuth.Grains.Connections;

/// <summary>
/// The silo's one timer for the connections' deferred writes (a repeated <c>used</c> entry, outbox bookkeeping). A
/// connection waiting to write costs an entry here rather than a grain timer of its own (a few dozen bytes instead of
/// about 400, for every connection in use). When an entry falls due its connection is told with a one-way call and
/// writes in its turn; an entry cancelled by a deactivating connection is dropped, so it brings none back.
/// </summary>
public sealed class DeferredWrites : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<GrainId> _tell;
    private readonly PriorityQueue<DeferredWrite, long> _due = new();
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private long _armedFor = long.MaxValue;

    // One-way: the connection writes in its own turn. A lost call leaves what waits for the connection's next write or
    // its deactivation (and its next deferral schedules anew, this entry having fired).
    public DeferredWrites(TimeProvider time, IGrainFactory grains)
        : this(time, connection => grains.GetGrain<IConnectionTurn>(connection).WriteDeferred())
    {
    }

    internal DeferredWrites(TimeProvider time, Action<GrainId> tell)
    {
        _time = time;
        _tell = tell;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Connections waiting to be told (cancelled ones included until their time comes).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _due.Count;
            }
        }
    }

    /// <summary>Tells <paramref name="connection"/> to write once <paramref name="delay"/> has passed.</summary>
    public DeferredWrite Schedule(GrainId connection, TimeSpan delay)
    {
        var write = new DeferredWrite(connection);
        var at = _time.GetUtcNow().UtcTicks + delay.Ticks;
        lock (_lock)
        {
            _due.Enqueue(write, at);
            if (at < _armedFor)
            {
                Arm(at);
            }
        }

        return write;
    }

    public void Dispose() => _timer.Dispose();

    private void Arm(long at)
    {
        _armedFor = at;
        _timer.Change(TimeSpan.FromTicks(Math.Max(0, at - _time.GetUtcNow().UtcTicks)), Timeout.InfiniteTimeSpan);
    }

    private void Fire()
    {
        List<DeferredWrite>? ready = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow().UtcTicks;
            while (_due.TryPeek(out var write, out var at) && at <= now)
            {
                _due.Dequeue();
                if (write.Fire())
                {
                    (ready ??= []).Add(write);
                }
            }

            _armedFor = long.MaxValue;
            if (_due.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }

        foreach (var write in ready ?? [])
        {
            try
            {
                _tell(write.Connection);
            }
            catch (Exception)
            {
                // Nothing is lost: what waits stays in the connection's memory for its next write or its deactivation.
            }
        }
    }
}

/// <summary>One connection's place in <see cref="DeferredWrites"/>.</summary>
public sealed class DeferredWrite(GrainId connection)
{
    private const int Waiting = 0, Fired = 1, Cancelled = 2;
    private int _state;

    public GrainId Connection { get; } = connection;

    /// <summary>Whether it still waits (not yet fired, not cancelled): a later deferral is carried by it.</summary>
    public bool IsWaiting => Volatile.Read(ref _state) == Waiting;

    /// <summary>The connection deactivates (its write is done by then): the entry tells it nothing.</summary>
    public void Cancel() => Interlocked.CompareExchange(ref _state, Cancelled, Waiting);

    internal bool Fire() => Interlocked.CompareExchange(ref _state, Fired, Waiting) == Waiting;
}
