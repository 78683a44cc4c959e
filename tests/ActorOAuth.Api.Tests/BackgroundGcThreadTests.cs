using System.Runtime;
using ActorOAuth.Hosting;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// The workstation GC's background thread is kept running (a background gen2 asked for every 15 s), so that .NET 10
/// does not turn the next gen2 into a blocking, compacting one while it starts the thread again.
/// </summary>
public sealed class BackgroundGcThreadTests
{
    [Theory]
    [InlineData(false, GCLatencyMode.Interactive, 10, true)]
    [InlineData(false, GCLatencyMode.SustainedLowLatency, 10, true)]
    [InlineData(true, GCLatencyMode.Interactive, 10, false)]
    [InlineData(false, GCLatencyMode.Batch, 10, false)]
    [InlineData(false, GCLatencyMode.Interactive, 11, false)]
    public void It_is_needed_only_with_workstation_gc_background_gc_on_and_a_runtime_before_11(bool serverGc, GCLatencyMode mode, int major, bool needed) =>
        Assert.Equal(needed, BackgroundGcThread.Needed(serverGc, mode, new Version(major, 0)));

    [Fact]
    public async Task A_background_gen2_is_asked_for_every_15_seconds_and_none_after_the_host_stops()
    {
        var time = new FakeTimeProvider();
        var asked = new SemaphoreSlim(0);
        var count = 0;
        var keeper = new BackgroundGcThread(time, () =>
        {
            Interlocked.Increment(ref count);
            asked.Release();
        });
        await keeper.StartAsync(CancellationToken.None);

        time.Advance(BackgroundGcThread.Interval - TimeSpan.FromMilliseconds(1));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(10)), "no collection was asked for after 15 s");
        time.Advance(BackgroundGcThread.Interval);
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(10)), "no second collection was asked for after 30 s");
        Assert.Equal(2, Volatile.Read(ref count));

        await keeper.StopAsync(CancellationToken.None);
        time.Advance(BackgroundGcThread.Interval * 4);
        Assert.Equal(2, Volatile.Read(ref count));
    }

    [Fact]
    public async Task What_it_asks_for_is_a_gen2_and_once_the_thread_runs_a_background_one()
    {
        var time = new FakeTimeProvider();
        var keeper = new BackgroundGcThread(time);
        await keeper.StartAsync(CancellationToken.None);
        try
        {
            // The first may find the thread stopped and be blocking (the defect itself): any gen2 will do.
            var gen2s = GC.CollectionCount(2);
            time.Advance(BackgroundGcThread.Interval);
            await ClusterWithSandbox.Eventually(() => Task.FromResult(GC.CollectionCount(2) > gen2s), TimeSpan.FromSeconds(30),
                "no gen2 ran after the keeper's first interval");

            var background = GC.GetGCMemoryInfo(GCKind.Background).Index;
            time.Advance(BackgroundGcThread.Interval);
            await ClusterWithSandbox.Eventually(() => Task.FromResult(GC.GetGCMemoryInfo(GCKind.Background).Index > background), TimeSpan.FromSeconds(30),
                "the keeper's second gen2 was not a background one");
        }
        finally
        {
            await keeper.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    public async Task The_hosts_run_it_unless_turned_off(string? setting)
    {
        await using var app = ProductionApp.Build(setting is null ? [] : [$"--{BackgroundGcThread.Setting}={setting}"]);

        var running = app.Services.GetServices<IHostedService>().OfType<BackgroundGcThread>().Any();

        var expected = setting is null && BackgroundGcThread.Needed(GCSettings.IsServerGC, GCSettings.LatencyMode, Environment.Version);
        Assert.Equal(expected, running);
    }
}
