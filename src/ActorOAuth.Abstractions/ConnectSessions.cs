using Orleans.Concurrency;

namespace ActorOAuth.Abstractions;

/// <summary>
/// One connect session: the link a vendor mints for one customer, reaching only its listed connections. Keyed by the
/// SHA-256 (hex) of the session token (<see cref="ConnectSessionKeys.For"/>), so storage never holds a usable link.
/// </summary>
[Alias("ActorOAuth.IConnectSessionGrain")]
public interface IConnectSessionGrain : IGrainWithStringKey
{
    /// <summary>Stores a new session under this key; acknowledged once written.</summary>
    [Alias("Create")]
    Task Create(ConnectSession session);

    /// <summary>The session and whether it may still be used.</summary>
    [Alias("Find")]
    Task<ConnectSessionLookup> Find();

    /// <summary>
    /// Revokes the session when it belongs to <paramref name="tenant"/>: true when it existed (revoked now or before),
    /// false when this tenant has no such session. A revoked session is kept until it would have expired, so its link
    /// keeps answering "expired" rather than "unknown".
    /// </summary>
    [Alias("Revoke")]
    Task<bool> Revoke(string tenant);
}

/// <summary>What a connect session grants: one tenant's listed connections, until it expires.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectSession")]
public sealed record ConnectSession(
    [property: Id(0)] string Tenant,
    [property: Id(1)] IReadOnlyList<string> Connections,
    [property: Id(2)] string? ReturnUrl,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt)
{
    /// <summary>Whether <paramref name="connectionId"/> is one of the listed connections (ordinal).</summary>
    public bool Lists(string connectionId) => Connections.Contains(connectionId, StringComparer.Ordinal);
}

/// <summary>Whether a session link may be used.</summary>
[GenerateSerializer, Alias("ActorOAuth.ConnectSessionStatus")]
public enum ConnectSessionStatus
{
    /// <summary>No session with this token (never minted, or forgotten once expired).</summary>
    Unknown = 0,

    /// <summary>Valid: the page and its actions work.</summary>
    Active = 1,

    /// <summary>Past its expiry.</summary>
    Expired = 2,

    /// <summary>Revoked early by the vendor.</summary>
    Revoked = 3,
}

/// <summary>A session as found by its token's hash; <see cref="Session"/> is set only while it is active.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectSessionLookup")]
public sealed record ConnectSessionLookup([property: Id(0)] ConnectSessionStatus Status, [property: Id(1)] ConnectSession? Session = null);

/// <summary>Connect-session grain keys.</summary>
public static class ConnectSessionKeys
{
    /// <summary>The <see cref="IConnectSessionGrain"/> key of a session token: its SHA-256, hex.</summary>
    public static string For(string token) => ConnectionKeys.ForState(token);
}

/// <summary>
/// The interactive end of a callback, keyed by the <c>state</c>'s hash: the page waits a bounded time for
/// <see cref="Complete"/>, and when the provider is slow a self-refreshing page asks <see cref="Progress"/> until the
/// outcome is there. The outcome is kept in memory for a few minutes; the connection itself holds the lasting result.
/// </summary>
[Alias("ActorOAuth.ICallbackCompletionGrain")]
public interface ICallbackCompletionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Runs <see cref="AuthorizationCallback.Complete"/>. A repeated call (the same state again, a reload) redeems again
    /// and so ends <see cref="CallbackResult.Expired"/>; <see cref="Progress"/> keeps the first call's outcome.
    /// </summary>
    [Alias("Complete")]
    Task<CallbackOutcome> Complete(CallbackRequest callback);

    /// <summary>
    /// Where the completion stands, waiting up to <paramref name="wait"/> for a running one to finish; answers while
    /// <see cref="Complete"/> is still running.
    /// </summary>
    [Alias("Progress"), AlwaysInterleave]
    Task<CallbackProgress> Progress(TimeSpan wait);
}

/// <summary>Whether a callback's completion was started here and, once it finished, how it ended.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.CallbackProgress")]
public sealed record CallbackProgress([property: Id(0)] bool Started, [property: Id(1)] CallbackOutcome? Outcome = null);
