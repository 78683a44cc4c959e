namespace ActorOAuth.Grains.Tests;

public sealed class RefreshPolicyTests
{
    private readonly RefreshPolicy _policy = new(new ConnectionOptions());

    [Theory]
    [InlineData(3600, 0.5, 300)]
    [InlineData(90, 0.5, 18)]
    [InlineData(3600, 0.0, 270)]
    [InlineData(3600, 0.9999999, 330)]
    public void Lead_is_the_smaller_of_five_minutes_and_a_fifth_of_the_lifetime_with_ten_percent_jitter(int lifetimeSeconds, double random, double leadSeconds) =>
        Assert.Equal(leadSeconds, _policy.Lead(TimeSpan.FromSeconds(lifetimeSeconds), random).TotalSeconds, precision: 3);

    [Fact]
    public void A_one_hour_token_is_due_about_55_minutes_in()
    {
        var issued = DateTimeOffset.UnixEpoch;
        var due = _policy.DueAt(issued, issued.AddHours(1), null, Random.Shared.NextDouble())!.Value;
        Assert.InRange((due - issued).TotalMinutes, 54.5, 55.5);
    }

    [Fact]
    public void A_token_without_expiry_is_scheduled_only_with_a_refresh_interval()
    {
        var issued = DateTimeOffset.UnixEpoch;
        Assert.Null(_policy.DueAt(issued, null, null, 0.5));
        Assert.Equal(issued.AddSeconds(600), _policy.DueAt(issued, null, 600, 0.5));
    }

    [Fact]
    public void Backoff_doubles_up_to_the_cap_and_honours_retry_after()
    {
        Assert.Equal(30, _policy.Backoff(1, null, 0.5).TotalSeconds, precision: 3);
        Assert.Equal(60, _policy.Backoff(2, null, 0.5).TotalSeconds, precision: 3);
        Assert.Equal(30 * 60, _policy.Backoff(50, null, 0.5).TotalSeconds, precision: 3);
        Assert.Equal(600, _policy.Backoff(1, TimeSpan.FromMinutes(10), 0.5).TotalSeconds, precision: 3);
    }

    [Fact]
    public void The_hourly_budget_defers_calls_past_the_window()
    {
        var now = DateTimeOffset.UnixEpoch;
        var schedule = new RefreshSchedule();
        for (var i = 0; i < new ConnectionOptions().MaxProviderCallsPerHour; i++)
        {
            Assert.Equal(now, _policy.BudgetedAt(schedule, now));
            RefreshPolicy.CountCall(schedule, now);
        }

        Assert.Equal(now.AddHours(1), _policy.BudgetedAt(schedule, now.AddMinutes(1)));
    }
}
