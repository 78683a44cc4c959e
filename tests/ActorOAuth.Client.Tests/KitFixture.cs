using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Client.Tests;

/// <summary>One test kit (cluster, sandbox, API on loopback) for the collection; a fresh connection id per test.</summary>
public sealed class KitFixture : IAsyncLifetime
{
    private static int _next;

    public ActorOAuthTestKit Kit { get; private set; } = null!;

    public ThirdPartyStandIn ThirdParty { get; private set; } = null!;

    public static string NewId() => $"client-{Interlocked.Increment(ref _next)}.sandbox";

    public async Task InitializeAsync()
    {
        // The kit's API reads the system clock while its grains read the kit's fake one: the API's token hand-out and
        // connect-session expiry would then disagree with the grains once a test moves time. Give the API the kit's time.
        var clock = new KitClock();
        Kit = await ActorOAuthTestKit.StartAsync(new ActorOAuthTestKitOptions { ConfigureApi = api => api.Services.AddSingleton<TimeProvider>(clock) });
        clock.Kit = Kit.Time;
        ThirdParty = await Kit.StartThirdPartyAsync();
    }

    public async Task DisposeAsync()
    {
        await ThirdParty.DisposeAsync();
        await Kit.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class KitCollection : ICollectionFixture<KitFixture>
{
    public const string Name = "kit";
}

/// <summary>The API's clock: the kit's grain and reminder time once the kit has started; timers stay on real time.</summary>
internal sealed class KitClock : TimeProvider
{
    public TimeProvider? Kit { get; set; }

    public override DateTimeOffset GetUtcNow() => Kit?.GetUtcNow() ?? base.GetUtcNow();
}
