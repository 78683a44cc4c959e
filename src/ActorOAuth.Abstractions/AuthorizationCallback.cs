namespace ActorOAuth.Abstractions;

/// <summary>
/// The one path from the <c>state</c> a browser brings back to its connection: hashed once, redeemed once (the entry is
/// gone after), then completed by the connection that issued it.
/// </summary>
public static class AuthorizationCallback
{
    public static async Task<CallbackOutcome> Complete(IGrainFactory grains, CallbackRequest callback)
    {
        var stateHash = ConnectionKeys.ForState(callback.State);
        var connectionKey = await grains.GetGrain<IAuthorizationStateGrain>(stateHash).Redeem();
        return connectionKey is null
            ? new CallbackOutcome(CallbackResult.Expired)
            : await grains.GetGrain<IConnectionGrain>(connectionKey).CompleteCallback(stateHash, callback) with { ConnectionKey = connectionKey };
    }
}
