using ActorOAuth.Grains.Connections;
using Microsoft.Extensions.Time.Testing;

namespace ActorOAuth.Grains.Tests;

/// <summary>The silo's one timer for deferred writes: each connection is told once, when its time comes, never when it cancelled.</summary>
public sealed class DeferredWritesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 7, 0, 0, TimeSpan.Zero));
    private readonly List<string> _told = [];

    private DeferredWrites Writes() => new(_time, connection => _told.Add(connection.Key.ToString()!));

    private static GrainId Connection(string id) => GrainId.Create("connection", "tenant/" + id);

    [Fact]
    public void Each_connection_is_told_once_when_its_time_has_come_in_the_order_they_fall_due()
    {
        using var writes = Writes();
        var late = writes.Schedule(Connection("late"), TimeSpan.FromMinutes(9));
        var early = writes.Schedule(Connection("early"), TimeSpan.FromMinutes(2));

        _time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        Assert.Empty(_told);
        Assert.True(early.IsWaiting);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["tenant/early"], _told);
        Assert.False(early.IsWaiting);
        Assert.True(late.IsWaiting);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(["tenant/early", "tenant/late"], _told);
        Assert.Equal(0, writes.Count);
    }

    [Fact]
    public void A_cancelled_entry_tells_its_connection_nothing_and_the_others_still_fire()
    {
        using var writes = Writes();
        var gone = writes.Schedule(Connection("gone"), TimeSpan.FromMinutes(1));
        writes.Schedule(Connection("kept"), TimeSpan.FromMinutes(3));

        gone.Cancel();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(["tenant/kept"], _told);
        Assert.False(gone.IsWaiting);
        Assert.Equal(0, writes.Count);
    }

    [Fact]
    public void A_write_scheduled_at_once_is_told_without_time_passing_and_a_fired_entry_cannot_be_cancelled_into_silence()
    {
        using var writes = Writes();
        var now = writes.Schedule(Connection("now"), TimeSpan.Zero);
        _time.Advance(TimeSpan.Zero);

        Assert.Equal(["tenant/now"], _told);
        now.Cancel();
        Assert.False(now.IsWaiting);
        Assert.Single(_told);
    }
}
