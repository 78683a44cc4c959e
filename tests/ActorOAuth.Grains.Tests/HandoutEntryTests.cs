using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Handout;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// The table entry a fetch is served from: it serves until the token's limit, past the connection's next <c>used</c>
/// entry, and picks one fetch per due time to tell the connection.
/// </summary>
public sealed class HandoutEntryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);

    private static HandoutEntry Entry(TimeSpan tokenLimit, TimeSpan usedDue) =>
        new(new AccessTokenResult("at", "Bearer", Start + tokenLimit, []), Start + tokenLimit, Start + usedDue);

    [Fact]
    public void Fetches_before_the_used_entry_is_due_are_served_and_tell_the_connection_nothing()
    {
        var entry = Entry(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));

        Assert.True(entry.TryServe(Start, out var due));
        Assert.False(due);
        Assert.True(entry.TryServe(Start + TimeSpan.FromSeconds(59), out due));
        Assert.False(due);
        Assert.Equal(Start + TimeSpan.FromSeconds(59), entry.LastFetchAt);
    }

    [Fact]
    public void The_first_fetch_once_the_used_entry_is_due_is_served_and_tells_the_connection_the_next_ones_do_not_until_the_retell_time()
    {
        var entry = Entry(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var dueAt = Start + TimeSpan.FromMinutes(1);

        Assert.True(entry.TryServe(dueAt, out var first));
        Assert.True(first);
        Assert.True(entry.TryServe(dueAt + TimeSpan.FromSeconds(1), out var second));
        Assert.False(second);

        // The connection did not log it (its one-way call was lost): a fetch after the retell time tells it again.
        Assert.True(entry.TryServe(dueAt + HandoutEntry.UsedRetell, out var again));
        Assert.True(again);
    }

    [Fact]
    public void Once_the_connection_logged_used_the_next_due_time_holds()
    {
        var entry = Entry(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        Assert.True(entry.TryServe(Start + TimeSpan.FromMinutes(1), out _));

        entry.ExtendTo(Start + TimeSpan.FromHours(1), Start + TimeSpan.FromMinutes(2));

        Assert.True(entry.TryServe(Start + TimeSpan.FromMinutes(1.5), out var due));
        Assert.False(due);
        Assert.Equal(Start + TimeSpan.FromMinutes(2), entry.UsedDue);
    }

    [Fact]
    public void No_fetch_is_served_at_the_token_limit_or_after_a_withdrawal()
    {
        var limit = Entry(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        Assert.False(limit.TryServe(Start + TimeSpan.FromMinutes(5), out var due));
        Assert.False(due);

        var table = new HandoutTable(localReads: true);
        var withdrawn = Entry(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        table.Publish("t/c", withdrawn);
        table.Withdraw("t/c", withdrawn);
        Assert.False(withdrawn.TryServe(Start + TimeSpan.FromMinutes(2), out due));
        Assert.False(due);
        Assert.Null(table.Find("t", "c"));
    }
}
