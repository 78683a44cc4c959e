using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains;

[GrainType("authorization-state")]
public sealed class AuthorizationStateGrain(
    [PersistentState("state", GrainStorage.Name)] IPersistentState<AuthorizationStateGrain.Entry> store,
    TimeProvider time) : Grain, IAuthorizationStateGrain
{
    public async Task Register(string connectionKey, DateTimeOffset expiresAt)
    {
        store.State = new Entry { ConnectionKey = connectionKey, ExpiresAt = expiresAt };
        await store.WriteStateAsync();
    }

    public async Task<string?> Redeem()
    {
        var key = store.State.ConnectionKey is { } connectionKey && time.GetUtcNow() < store.State.ExpiresAt ? connectionKey : null;
        await Forget();
        return key;
    }

    public async Task Forget()
    {
        if (store.RecordExists)
        {
            await store.ClearStateAsync();
        }

        store.State = new Entry();
        DeactivateOnIdle();
    }

    /// <summary>The connection a pending <c>state</c> belongs to.</summary>
    [GenerateSerializer, Alias("ActorOAuth.AuthorizationStateEntry")]
    public sealed class Entry
    {
        [Id(0)] public string? ConnectionKey { get; set; }

        [Id(1)] public DateTimeOffset ExpiresAt { get; set; }
    }
}
