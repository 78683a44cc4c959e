namespace ActorOAuth.Abstractions;

/// <summary>
/// A connection's token hand-out for API processes that are Orleans clients (cluster mode): a fetch that also asks for a
/// lease, so the API process may hand the same result out again from its own memory until the lease ends, the token
/// is due, or the connection withdraws it (<see cref="IHandoutCache.Withdraw"/>), whichever comes first.
/// </summary>
[Alias("ActorOAuth.IConnectionHandout")]
public interface IConnectionHandout : IGrainWithStringKey
{
    /// <summary>
    /// What <see cref="IConnectionGrain.GetAccessToken"/> answers, with a lease for <paramref name="holder"/> when the
    /// connection may be served as it is (used, valid, not due). <paramref name="lastFetchAt"/>: the holder's last
    /// fetch served from its lease, so the connection's <c>lastUsedAt</c> counts it.
    /// </summary>
    [Alias("Lease")]
    Task<HandoutGrant> Lease(IHandoutCache holder, bool forceRefresh, DateTimeOffset? lastFetchAt);
}

/// <summary>
/// An API process's table of leased hand-outs, called by connections. A connection withdraws its lease from every
/// holder before any change of its tokens, status or hand-out completes; it waits for the answer, or for the lease to
/// end when a holder does not answer.
/// </summary>
[Alias("ActorOAuth.IHandoutCache")]
public interface IHandoutCache : IGrainObserver
{
    /// <summary>Stops handing out the connection's token; answers the last fetch served from the lease, if any.</summary>
    [Alias("Withdraw")]
    Task<DateTimeOffset?> Withdraw(string connectionKey);

    /// <summary>The last fetch served from the connection's lease (for an exact <c>lastUsedAt</c>), if any.</summary>
    [Alias("LastFetch")]
    Task<DateTimeOffset?> LastFetch(string connectionKey);
}

/// <summary>
/// A token hand-out and how long it may be handed out again without asking: until <see cref="ServeUntil"/> (the
/// token's expiry, its refresh due time or the next <c>used</c> entry, by the connection's clock) and for
/// <see cref="Lease"/> from the moment the holder sent its request. A zero lease: do not keep it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.HandoutGrant")]
public sealed record HandoutGrant(
    [property: Id(0)] AccessTokenResult Token,
    [property: Id(1)] DateTimeOffset ServeUntil,
    [property: Id(2)] TimeSpan Lease);
