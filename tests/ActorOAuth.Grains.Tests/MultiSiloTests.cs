using ActorOAuth.Abstractions;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// Three silos, simulated time, a killed silo: the refresh rules hold cluster-wide. A killed silo is declared dead
/// after three missed probes of 2 s: quick for the tests, yet not so quick that a live silo starved of CPU by the
/// suites running beside it (two cores) is voted dead too.
/// </summary>
public class ThreeSiloFixture() : ClusterWithSandbox(silos: 3), IAsyncLifetime
{
    protected override void ConfigureSilo(ISiloBuilder silo) => silo.Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 3;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(5);
    });

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

public sealed class MultiSiloTests(ThreeSiloFixture fixture) : IClassFixture<ThreeSiloFixture>
{
    private Task<(string Key, IConnectionGrain Grain)> ConnectAsync() => ConnectOnAsync(fixture);

    private static int _next;

    internal static async Task<(string Key, IConnectionGrain Grain)> ConnectOnAsync(ClusterWithSandbox fixture)
    {
        var key = ConnectionKeys.For("tenant-m", $"multi-{Interlocked.Increment(ref _next)}");
        var grain = await fixture.ConnectAsync(key);
        return (key, grain);
    }

    [Fact]
    public async Task Concurrent_fetches_from_callers_on_three_silos_make_one_provider_call()
    {
        var (key, grain) = await ConnectAsync();
        var refreshToken = (await fixture.ReadStateAsync(key)).Tokens!.RefreshToken!;
        var factories = fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IGrainFactory>()).ToList();
        Assert.Equal(3, factories.Count);
        fixture.Time.Advance((await grain.Get()).NextRefreshAt!.Value - fixture.Time.GetUtcNow());

        var tokens = await Task.WhenAll(Enumerable.Range(0, 201).Select(i => factories[i % 3].GetGrain<IConnectionGrain>(key).GetAccessToken(false).AsTask()));

        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(refreshToken));
        Assert.Single(tokens.Select(t => t.AccessToken).Distinct());
    }
}

/// <summary>Its own three silos, since the test kills one.</summary>
public sealed class KillSiloFixture : ThreeSiloFixture;

public sealed class SiloFailureTests(KillSiloFixture fixture) : IClassFixture<KillSiloFixture>
{
    private Task<(string Key, IConnectionGrain Grain)> ConnectAsync() => MultiSiloTests.ConnectOnAsync(fixture);

    [Fact]
    public async Task A_killed_silo_loses_nothing_and_the_reminder_fires_on_a_survivor()
    {
        // Connect until a connection lives on a silo other than the primary (which holds the test
        // cluster's membership and reminder tables): that silo is the one to kill.
        var primary = fixture.Cluster.Silos[0].SiloAddress;
        string key;
        IConnectionGrain grain;
        SiloAddress? host = null;
        do
        {
            (key, grain) = await ConnectAsync();
            host = fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) ? context!.Address.SiloAddress : null;
        }
        while (host is null || host.Equals(primary));

        var before = await fixture.ReadStateAsync(key);
        var victim = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await fixture.Cluster.KillSiloAsync(victim).WaitAsync(TimeSpan.FromSeconds(30));
        fixture.Time.Advance((before.Refresh.NextAt!.Value - fixture.Time.GetUtcNow()) + TimeSpan.FromSeconds(1));

        // Reminders run on grain time: 100 ms of it per poll, so a retry of the survivor's reminder service (30 s of
        // grain time after a failed read of its new range) comes within seconds, and the 90 s still end well before
        // the refreshed token would come due again (an hour's token).

        var lastSeen = "nothing yet";
        try
        {
            await fixture.WhileTimePasses(async () =>
            {
                try
                {
                    var view = await grain.Get().WaitAsync(TimeSpan.FromSeconds(10));
                    lastSeen = $"status {view.Status}, next refresh {view.NextRefreshAt:O}";
                    return view.LastRefreshedAt is not null;
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    lastSeen = e.GetType().Name + ": " + e.Message;
                    return false;
                }
            }, TimeSpan.FromSeconds(90), "the reminder fires on a surviving silo", step: TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException e)
        {
            // What a failure under load needs to be read: what the connection said last, and which silos were left.
            throw new TimeoutException($"{e.Message} (grain time {fixture.Time.GetUtcNow():O}; last seen: {lastSeen}; " +
                $"silos running: {string.Join(", ", fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress))})", e);
        }

        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(before.Tokens!.RefreshToken!));
        var token = await grain.GetAccessToken(false).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await fixture.Sandbox.IsActiveAsync(token.AccessToken));
        Assert.Equal(ConnectionStatus.Used, (await grain.Get().WaitAsync(TimeSpan.FromSeconds(30))).Status);
        Assert.Equal(before.Log.Count + 2, (await fixture.ReadStateAsync(key)).Log.Count);
    }
}
