namespace ActorOAuth.Grains.Connections;

/// <summary>
/// The connection's one refresh reminder, kept at the state's next refresh time: armed (due then, with the backstop
/// period) while there is one, removed when there is none. Knows what it armed last, so an unchanged time costs nothing.
/// </summary>
internal sealed class RefreshScheduler(IGrainBase grain, ConnectionOptions options, TimeProvider time)
{
    public const string ReminderName = "refresh";

    private DateTimeOffset? _armed;
    private bool _known;

    /// <summary>What the reminder table holds, as the last write left it (on activation).</summary>
    public void Assume(DateTimeOffset? armed)
    {
        _armed = armed;
        _known = true;
    }

    /// <summary>Arms the reminder for <paramref name="nextAt"/>, or removes it when null; <paramref name="force"/> even when unchanged.</summary>
    public async Task Sync(DateTimeOffset? nextAt, bool force = false)
    {
        if (!force && _known && _armed == nextAt)
        {
            return;
        }

        _known = false;
        if (nextAt is { } next)
        {
            var now = time.GetUtcNow();
            await grain.RegisterOrUpdateReminder(ReminderName, next > now ? next - now : TimeSpan.Zero, options.ReminderPeriod);
        }
        else if (await grain.GetReminder(ReminderName) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }

        Assume(nextAt);
    }
}
