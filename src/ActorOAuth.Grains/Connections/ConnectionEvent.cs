using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// What followed from one of <see cref="Connection"/>'s intent methods, recorded in order. The grain carries them out
/// once the state is written (the authorization-state registry, the refresh reminder, operator logs); they are also
/// what a connection tells its vendor about.
/// </summary>
public abstract record ConnectionEvent(DateTimeOffset At);

/// <summary>The connection was created by its first settings save.</summary>
public sealed record ConnectionCreated(DateTimeOffset At) : ConnectionEvent(At);

/// <summary>The settings were replaced (tokens kept).</summary>
public sealed record SettingsChanged(DateTimeOffset At) : ConnectionEvent(At);

/// <summary>The status light changed.</summary>
public sealed record StatusChanged(DateTimeOffset At, ConnectionStatus From, ConnectionStatus To) : ConnectionEvent(At);

/// <summary>An entry was appended to the connection's log.</summary>
public sealed record LogEntryAdded(LogEntry Entry) : ConnectionEvent(Entry.At);

/// <summary>The next proactive refresh or retry moved; null when nothing is scheduled any more.</summary>
public sealed record RefreshScheduled(DateTimeOffset At, DateTimeOffset? NextAt) : ConnectionEvent(At);

/// <summary>A new authorization attempt, known by the hash of its <c>state</c>, must be registered before it is handed out.</summary>
public sealed record AuthorizationStarted(DateTimeOffset At, string StateHash, DateTimeOffset ExpiresAt) : ConnectionEvent(At);

/// <summary>An attempt in flight was discarded; its registry entry can go.</summary>
public sealed record AttemptDropped(DateTimeOffset At, string StateHash) : ConnectionEvent(At);

/// <summary>A code exchange stored tokens.</summary>
public sealed record Authorized(DateTimeOffset At) : ConnectionEvent(At);

/// <summary>The authorization failed: denied, a provider error, a code exchange refused, or a mix-up suspected.</summary>
public sealed record AuthorizationFailed(DateTimeOffset At, ConnectionError Error) : ConnectionEvent(At);

/// <summary>A refresh stored new tokens.</summary>
public sealed record TokenRefreshed(DateTimeOffset At, bool Forced) : ConnectionEvent(At);

/// <summary>
/// A refresh failed. <paramref name="Terminal"/>: the provider refused the grant and no retry follows;
/// otherwise the next try is at <paramref name="RetryAt"/>.
/// </summary>
public sealed record RefreshFailed(DateTimeOffset At, ConnectionError Error, bool Terminal, int Failures, DateTimeOffset? RetryAt) : ConnectionEvent(At);

/// <summary>An errored connection works again.</summary>
public sealed record Recovered(DateTimeOffset At) : ConnectionEvent(At);

/// <summary>An execution reported a connection error.</summary>
public sealed record ErrorReported(DateTimeOffset At, ConnectionError Error) : ConnectionEvent(At);

/// <summary>The customer disconnected: tokens deleted, refresh stopped.</summary>
public sealed record ConnectionDisconnected(DateTimeOffset At) : ConnectionEvent(At);

/// <summary>Revoking one token at the provider failed (it was deleted here regardless).</summary>
public sealed record RevocationFailed(DateTimeOffset At, string TokenTypeHint, string Code) : ConnectionEvent(At);

/// <summary>The provider's identity call refused the token (a connection check): the grant was revoked there.</summary>
public sealed record CheckFailed(DateTimeOffset At, ConnectionError Error) : ConnectionEvent(At);

/// <summary>The connection was deleted: it no longer exists for any read; its row goes once this event is handed on.</summary>
public sealed record ConnectionDeleted(DateTimeOffset At) : ConnectionEvent(At);
