using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Handout;

namespace ActorOAuth.Grains;

/// <summary>
/// The connection's hand-out: leases for API processes, and every change wrapped so the copies are withdrawn before it
/// runs and published again after (see <see cref="HandoutPublisher"/>).
/// </summary>
public sealed partial class ConnectionGrain
{
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
