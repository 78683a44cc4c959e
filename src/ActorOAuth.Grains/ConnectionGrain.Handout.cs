using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using ActorOAuth.Grains.Handout;
using Orleans.Serialization.Invocation;

namespace ActorOAuth.Grains;

/// <summary>
/// The connection's hand-out: the fetch served from memory and which calls may run beside the one that has the turn,
/// leases for API processes, and every change wrapped so the copies are withdrawn before it runs and published again
/// after (see <see cref="HandoutPublisher"/>).
/// </summary>
public sealed partial class ConnectionGrain
{
    /// <summary>
    /// The hot path. A fetch that can be handed out from memory as it is runs at once, beside whatever call has the
    /// turn (see <see cref="MayInterleave"/>): it only reads the state (the storage may be serializing it meanwhile)
    /// and changes nothing but the time of the last fetch. Any other fetch waited for its turn in the activation's queue
    /// and now has it: it refreshes, marks the connection used or logs <c>used</c> itself.
    /// </summary>
    public ValueTask<AccessTokenResult> GetAccessToken(bool forceRefresh)
    {
        var now = time.GetUtcNow();
        if (_interleavedAt is { } approved)
        {
            // The answer for this call; one Orleans never invoked (its message expired first) is older and not taken.
            now = now - approved < TimeSpan.FromSeconds(1) ? approved : now;
            _interleavedAt = null;
        }

        if (!forceRefresh && ServesFromMemory(now))
        {
            _lastUsedAt = now;
            return new(Connection.Handout(State.Tokens!, State.Config));
        }

        return new(FetchingInTurn(() => Published(Fetch(forceRefresh))));
    }

    /// <summary>
    /// Asked by Orleans of a call that arrives while another has the turn, and of the call that has it: a fetch (or a
    /// lease) that can be served from memory as it is may run beside it; every other call waits for its turn. No call
    /// of this activation ever waits on another call to it, so nothing queued here can hold up a deactivation (a
    /// delete, a silo stopping): what waits is sent on to the next activation.
    /// </summary>
    /// <remarks>
    /// Orleans invokes an approved call at once, on this activation's scheduler, so the fetch sees the state and the
    /// time this answer saw (<see cref="_interleavedAt"/>). A fetch in turn keeps every call out meanwhile
    /// (<see cref="_fetchingInTurn"/>): asked of it as the call that has the turn, this must not let others in.
    /// </remarks>
    public bool MayInterleave(IInvokable request)
    {
        var now = time.GetUtcNow();
        var served = !_fetchingInTurn && request.GetMethodName() switch
        {
            nameof(GetAccessToken) => request.GetArgument(0) is false && ServesFromMemory(now),
            nameof(Lease) => request.GetArgument(1) is false && ServesFromMemory(now) && !_handout.NeedsFlag(State, _usedLoggedAt),
            _ => false,
        };
        _interleavedAt = served ? now : null;
        return served;
    }

    private bool ServesFromMemory(DateTimeOffset now) =>
        Connection.ServableAsIs(State, now) && _usedLoggedAt is { } logged && now - logged < _options.UsedLogInterval;

    /// <summary>A fetch (or lease) in turn: no other call runs beside it until it is done.</summary>
    private async Task<T> FetchingInTurn<T>(Func<Task<T>> fetch)
    {
        _fetchingInTurn = true;
        try
        {
            return await fetch();
        }
        finally
        {
            _fetchingInTurn = false;
        }
    }

    public async Task<HandoutGrant> Lease(IHandoutCache holder, bool forceRefresh, DateTimeOffset? lastFetchAt)
    {
        _handout.Fetched(lastFetchAt);
        var token = await GetAccessToken(forceRefresh);
        if (_handout.TryGrant(holder, State, _usedLoggedAt, out var needsFlag) is { } grant)
        {
            return grant;
        }

        // Only a lease in turn gets here needing the flag (MayInterleave lets no such lease in beside another call).
        return (needsFlag ? await FetchingInTurn(() => LeaseWithFlag(holder)) : null) ?? new HandoutGrant(token, default, TimeSpan.Zero);
    }

    /// <summary>Writes the lease flag (a first lease of this activation), then grants; null when no lease can be had now.</summary>
    private async Task<HandoutGrant?> LeaseWithFlag(IHandoutCache holder)
    {
        if (!State.HandoutLeased && _handout.Grantable(State, _usedLoggedAt))
        {
            // Written before the first lease goes out, so a later activation knows to wait leases out.
            var before = _store.Snapshot();
            State.HandoutLeased = true;
            _handout.HoldGrants();
            try
            {
                await _store.Write(before);
            }
            catch (Exception e) when (e is ConnectionProblemException or Orleans.Storage.InconsistentStateException)
            {
                PublishHandout();
                return null;
            }
        }

        PublishHandout();
        return _handout.TryGrant(holder, State, _usedLoggedAt, out _);
    }

    public async Task UsedFromTable()
    {
        try
        {
            await Published(Fetch(forceRefresh: false));
        }
        catch (ConnectionProblemException)
        {
            // The connection changed since that fetch (errored, disconnected …): nothing is due to be logged.
        }
    }

    /// <summary>A change: every hand-out withdrawn before it runs (see <see cref="HandoutPublisher"/>), published again after.</summary>
    private async Task<T> Changing<T>(Func<Task<T>> change)
    {
        await _handout.WithdrawAsync();
        return await Published(change());
    }

    /// <summary>A call that may have changed the connection: its hand-outs published again as the state now allows.</summary>
    private async Task<T> Published<T>(Task<T> call)
    {
        try
        {
            return await call;
        }
        finally
        {
            PublishHandout();
        }
    }

    /// <inheritdoc cref="Published{T}(Task{T})"/>
    private async Task Published(Task call)
    {
        try
        {
            await call;
        }
        finally
        {
            PublishHandout();
        }
    }

    private void PublishHandout() => _handout.Publish(State, _usedLoggedAt);
}
