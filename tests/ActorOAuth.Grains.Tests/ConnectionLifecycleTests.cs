using ActorOAuth.Abstractions;
using static ActorOAuth.Abstractions.ConnectionStatus;
using static ActorOAuth.Grains.LifecycleEvent;

namespace ActorOAuth.Grains.Tests;

/// <summary>One case per row of the transitions table in the lifecycle design.</summary>
public sealed class ConnectionLifecycleTests
{
    [Theory]
    [InlineData(Pending, false)]
    [InlineData(Configured, false)]
    [InlineData(Used, false)]
    [InlineData(Errored, true)]
    [InlineData(Disconnected, false)]
    public void Exchanging_the_code_configures_the_connection_and_recovers_an_errored_one(ConnectionStatus from, bool recovered) =>
        Assert.Equal(new LifecycleStep(true, Configured, recovered), ConnectionLifecycle.Next(from, CodeExchanged));

    [Fact]
    public void A_denied_first_authorization_stays_pending() =>
        Assert.Equal(new LifecycleStep(true, Pending), ConnectionLifecycle.Next(Pending, AuthorizationDenied, new(EverHeldTokens: false)));

    [Theory]
    [InlineData(Pending, AuthorizationDenied, true)]
    [InlineData(Pending, AuthorizationFailed, false)]
    [InlineData(Configured, AuthorizationDenied, true)]
    [InlineData(Used, AuthorizationFailed, true)]
    [InlineData(Errored, AuthorizationFailed, true)]
    [InlineData(Disconnected, AuthorizationDenied, true)]
    public void A_failed_authorization_errors_the_connection(ConnectionStatus from, LifecycleEvent e, bool everHeldTokens) =>
        Assert.Equal(new LifecycleStep(true, Errored), ConnectionLifecycle.Next(from, e, new(EverHeldTokens: everHeldTokens)));

    [Theory]
    [InlineData(Configured)]
    [InlineData(Used)]
    public void Fetching_a_token_marks_the_connection_used(ConnectionStatus from) =>
        Assert.Equal(new LifecycleStep(true, Used), ConnectionLifecycle.Next(from, TokenFetched));

    [Theory]
    [InlineData(Pending)]
    [InlineData(Errored)]
    [InlineData(Disconnected)]
    public void Fetching_a_token_is_refused_without_usable_tokens(ConnectionStatus from) =>
        Assert.False(ConnectionLifecycle.Next(from, TokenFetched).Allowed);

    [Theory]
    [InlineData(Configured)]
    [InlineData(Used)]
    public void A_successful_refresh_keeps_the_status(ConnectionStatus from) =>
        Assert.Equal(new LifecycleStep(true, from), ConnectionLifecycle.Next(from, RefreshSucceeded));

    [Fact]
    public void A_successful_refresh_recovers_an_errored_connection() =>
        Assert.Equal(new LifecycleStep(true, Configured, Recovered: true), ConnectionLifecycle.Next(Errored, RefreshSucceeded));

    [Fact]
    public void A_refresh_cannot_recover_after_a_terminal_refresh_failure()
    {
        var context = new LifecycleContext(RefreshFailedTerminally: true);
        Assert.False(ConnectionLifecycle.Next(Errored, RefreshSucceeded, context).Allowed);
    }

    [Theory]
    [InlineData(Configured, true, false, Configured)]
    [InlineData(Used, true, true, Used)]
    [InlineData(Used, false, false, Used)]
    [InlineData(Configured, false, true, Errored)]
    [InlineData(Used, false, true, Errored)]
    public void A_transient_refresh_failure_errors_only_once_expired_past_the_retry_window(
        ConnectionStatus from, bool accessTokenValid, bool windowPassed, ConnectionStatus to) =>
        Assert.Equal(new LifecycleStep(true, to),
            ConnectionLifecycle.Next(from, TransientRefreshFailure, new(AccessTokenValid: accessTokenValid, RetryWindowPassed: windowPassed)));

    [Theory]
    [InlineData(Configured)]
    [InlineData(Used)]
    public void A_terminal_refresh_failure_errors_the_connection(ConnectionStatus from) =>
        Assert.Equal(new LifecycleStep(true, Errored), ConnectionLifecycle.Next(from, TerminalRefreshFailure));

    [Theory]
    [InlineData(Configured)]
    [InlineData(Used)]
    [InlineData(Errored)]
    public void A_reported_error_errors_the_connection(ConnectionStatus from) =>
        Assert.Equal(new LifecycleStep(true, Errored), ConnectionLifecycle.Next(from, ErrorReported));

    [Theory]
    [InlineData(Pending)]
    [InlineData(Disconnected)]
    public void A_reported_error_is_refused_without_tokens(ConnectionStatus from) =>
        Assert.Equal(LifecycleStep.Refused(from), ConnectionLifecycle.Next(from, ErrorReported));

    [Theory]
    [InlineData(Pending)]
    [InlineData(Configured)]
    [InlineData(Used)]
    [InlineData(Errored)]
    public void Disconnecting_disconnects(ConnectionStatus from) =>
        Assert.Equal(new LifecycleStep(true, Disconnected), ConnectionLifecycle.Next(from, LifecycleEvent.DisconnectRequested));

    [Fact]
    public void Disconnecting_twice_changes_nothing() =>
        Assert.False(ConnectionLifecycle.Next(ConnectionStatus.Disconnected, DisconnectRequested).Allowed);
}
