using ActorOAuth.Testing;

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
        Kit = await ActorOAuthTestKit.StartAsync();
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
