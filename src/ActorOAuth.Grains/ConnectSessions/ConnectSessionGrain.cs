using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.ConnectSessions;

/// <summary>
/// One connect session, keyed by its token's hash. A reminder at its expiry forgets it, so sessions nobody opens again
/// do not stay in storage.
/// </summary>
[GrainType("connect-session")]
public sealed class ConnectSessionGrain(
    [PersistentState("connect-session", GrainStorage.Name)] IPersistentState<ConnectSessionGrain.Entry> store,
    TimeProvider time) : Grain, IConnectSessionGrain, IRemindable
{
    private const string ExpiryReminder = "expiry";

    public async Task Create(ConnectSession session)
    {
        if (store.State.Session is not null)
        {
            // 256 random bits do not collide; a second Create under one key is a bug, never an overwrite.
            throw new InvalidOperationException("A connect session with this key already exists.");
        }

        store.State = new Entry { Session = session };
        await store.WriteStateAsync();
        var due = session.ExpiresAt - time.GetUtcNow();
        await this.RegisterOrUpdateReminder(ExpiryReminder, due > TimeSpan.Zero ? due : TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    public Task<ConnectSessionLookup> Find()
    {
        if (store.State.Session is not { } session)
        {
            return Task.FromResult(new ConnectSessionLookup(ConnectSessionStatus.Unknown));
        }

        // Kept past its expiry until the reminder forgets it, so its link says "expired" rather than "unknown" meanwhile.
        if (time.GetUtcNow() >= session.ExpiresAt)
        {
            return Task.FromResult(new ConnectSessionLookup(ConnectSessionStatus.Expired));
        }

        return Task.FromResult(store.State.Revoked
            ? new ConnectSessionLookup(ConnectSessionStatus.Revoked)
            : new ConnectSessionLookup(ConnectSessionStatus.Active, session));
    }

    public async Task<bool> Revoke(string tenant)
    {
        if (store.State.Session is not { } session || !string.Equals(session.Tenant, tenant, StringComparison.Ordinal))
        {
            return false;
        }

        if (!store.State.Revoked)
        {
            store.State.Revoked = true;
            await store.WriteStateAsync();
        }

        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            return;
        }

        if (store.State.Session is { } session && time.GetUtcNow() < session.ExpiresAt)
        {
            return;
        }

        await Forget();
    }

    private async Task Forget()
    {
        if (store.RecordExists)
        {
            await store.ClearStateAsync();
        }

        store.State = new Entry();
        if (await this.GetReminder(ExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        DeactivateOnIdle();
    }

    /// <summary>A stored connect session.</summary>
    [GenerateSerializer, Alias("ActorOAuth.ConnectSessionEntry")]
    public sealed class Entry
    {
        [Id(0)] public ConnectSession? Session { get; set; }

        [Id(1)] public bool Revoked { get; set; }
    }
}
