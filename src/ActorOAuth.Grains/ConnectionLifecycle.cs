using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains;

/// <summary>The events that move a connection between statuses.</summary>
public enum LifecycleEvent
{
    CodeExchanged,
    AuthorizationDenied,
    AuthorizationFailed,
    TokenFetched,
    RefreshSucceeded,
    TransientRefreshFailure,
    TerminalRefreshFailure,
    ErrorReported,
    DisconnectRequested,
    CheckFailed,
}

/// <summary>What the connection held when the event happened.</summary>
/// <param name="EverHeldTokens">Whether an authorization ever completed.</param>
/// <param name="AccessTokenValid">Whether the held access token has not expired.</param>
/// <param name="RetryWindowPassed">Whether transient failures have outlasted the retry window.</param>
/// <param name="RefreshFailedTerminally">Whether the last refresh failed terminally.</param>
public readonly record struct LifecycleContext(
    bool EverHeldTokens = false,
    bool AccessTokenValid = true,
    bool RetryWindowPassed = false,
    bool RefreshFailedTerminally = false);

/// <summary>The outcome of one event: allowed or not, the next status, and whether it is a recovery.</summary>
public readonly record struct LifecycleStep(bool Allowed, ConnectionStatus To, bool Recovered = false)
{
    public static LifecycleStep Refused(ConnectionStatus from) => new(false, from);
}

/// <summary>
/// The status transitions of the connection lifecycle, read top to bottom. Pure: <see cref="Connections.Connection"/>
/// asks, then changes the state. Settings saves and new authorizations never change the status. A denied
/// authorization on a connection that never held tokens stays <c>pending</c>; every other failed authorization is
/// <c>errored</c>.
/// </summary>
public static class ConnectionLifecycle
{
    public static LifecycleStep Next(ConnectionStatus from, LifecycleEvent e, LifecycleContext context = default) => e switch
    {
        LifecycleEvent.CodeExchanged => new(true, ConnectionStatus.Configured, Recovered: from == ConnectionStatus.Errored),
        LifecycleEvent.AuthorizationDenied when from == ConnectionStatus.Pending && !context.EverHeldTokens
            => new(true, ConnectionStatus.Pending),
        LifecycleEvent.AuthorizationDenied or LifecycleEvent.AuthorizationFailed => new(true, ConnectionStatus.Errored),
        LifecycleEvent.TokenFetched => from is ConnectionStatus.Configured or ConnectionStatus.Used
            ? new(true, ConnectionStatus.Used)
            : LifecycleStep.Refused(from),
        LifecycleEvent.RefreshSucceeded => from switch
        {
            ConnectionStatus.Configured or ConnectionStatus.Used => new(true, from),
            ConnectionStatus.Errored when !context.RefreshFailedTerminally => new(true, ConnectionStatus.Configured, Recovered: true),
            _ => LifecycleStep.Refused(from),
        },
        LifecycleEvent.TransientRefreshFailure => from switch
        {
            ConnectionStatus.Configured or ConnectionStatus.Used when context.AccessTokenValid || !context.RetryWindowPassed => new(true, from),
            ConnectionStatus.Configured or ConnectionStatus.Used or ConnectionStatus.Errored => new(true, ConnectionStatus.Errored),
            _ => LifecycleStep.Refused(from),
        },
        LifecycleEvent.TerminalRefreshFailure => from is ConnectionStatus.Configured or ConnectionStatus.Used or ConnectionStatus.Errored
            ? new(true, ConnectionStatus.Errored)
            : LifecycleStep.Refused(from),
        LifecycleEvent.ErrorReported => from is ConnectionStatus.Configured or ConnectionStatus.Used or ConnectionStatus.Errored
            ? new(true, ConnectionStatus.Errored)
            : LifecycleStep.Refused(from),
        LifecycleEvent.CheckFailed => from is ConnectionStatus.Configured or ConnectionStatus.Used or ConnectionStatus.Errored
            ? new(true, ConnectionStatus.Errored)
            : LifecycleStep.Refused(from),
        LifecycleEvent.DisconnectRequested => from != ConnectionStatus.Disconnected
            ? new(true, ConnectionStatus.Disconnected)
            : LifecycleStep.Refused(from),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, null),
    };
}
