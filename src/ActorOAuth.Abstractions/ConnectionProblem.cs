namespace ActorOAuth.Abstractions;

/// <summary>The kinds of refusal a connection grain can answer with; the API maps each to an HTTP status.</summary>
[GenerateSerializer, Alias("ActorOAuth.ConnectionProblemKind")]
public enum ConnectionProblemKind
{
    /// <summary>No such connection (404).</summary>
    NotFound = 0,

    /// <summary>The connection's status does not allow this (409).</summary>
    Conflict = 1,

    /// <summary>The request or the saved settings are not acceptable (400).</summary>
    Invalid = 2,

    /// <summary>The token cannot be had now; retry later (503 with Retry-After).</summary>
    Unavailable = 3,

    /// <summary>The authorization <c>state</c> is unknown, used or expired (400 page).</summary>
    InvalidState = 4,
}

/// <summary>A domain refusal thrown by a grain and turned into problem details by the API.</summary>
[GenerateSerializer, Alias("ActorOAuth.ConnectionProblemException")]
public sealed class ConnectionProblemException : Exception
{
    public ConnectionProblemException(ConnectionProblemKind kind, string message, TimeSpan? retryAfter = null)
        : base(message)
    {
        Kind = kind;
        RetryAfter = retryAfter;
    }

    [Id(0)] public ConnectionProblemKind Kind { get; }

    /// <summary>With <see cref="ConnectionProblemKind.Unavailable"/>: when to try again.</summary>
    [Id(1)] public TimeSpan? RetryAfter { get; }
}
