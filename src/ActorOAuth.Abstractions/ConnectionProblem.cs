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

    /// <summary>The token cannot be had now, or the change could not be stored; retry later (503 with Retry-After).</summary>
    Unavailable = 3,

    /// <summary>The authorization <c>state</c> is unknown, used or expired (400 page).</summary>
    InvalidState = 4,
}

/// <summary>
/// The machine-readable <c>code</c> of a problem, for callers that branch on it. Listed in README and in the OpenAPI
/// document; never renamed.
/// </summary>
public static class ProblemCodes
{
    /// <summary>404: no connection with this id in the caller's tenant.</summary>
    public const string ConnectionNotFound = "connection_not_found";

    /// <summary>409: the connection has no tokens yet (authorize it first).</summary>
    public const string ConnectionPending = "connection_pending";

    /// <summary>409: the connection was disconnected (authorize it again).</summary>
    public const string ConnectionDisconnected = "connection_disconnected";

    /// <summary>409: the connection is errored and the refresh tried did not recover it (yet); it may recover by itself.</summary>
    public const string ConnectionErrored = "connection_errored";

    /// <summary>409: the connection is errored and no refresh can recover it; the customer must authorize again.</summary>
    public const string ReauthorizationRequired = "reauthorization_required";

    /// <summary>503: the access token expired and the provider is being retried; see Retry-After.</summary>
    public const string RefreshBackingOff = "refresh_backing_off";

    /// <summary>503: the change could not be written to storage and was not made; retry after Retry-After.</summary>
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>503: another activation of the connection wrote first; it is being re-read; retry after Retry-After.</summary>
    public const string StorageConflict = "storage_conflict";

    /// <summary>503: the silo hosting the connection does not answer (it is being declared dead); retry after Retry-After.</summary>
    public const string ClusterUnavailable = "cluster_unavailable";

    /// <summary>400: the request or settings are not valid (see <c>errors</c>).</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>400: the settings saved earlier are no longer acceptable (for example a URL the policy now refuses).</summary>
    public const string InvalidSettings = "invalid_settings";

    /// <summary>401: no valid API key.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>429: over the rate limit; see Retry-After.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>404: no such route.</summary>
    public const string NotFound = "not_found";

    /// <summary>405: the route does not take this method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>404: no integration with this id in the caller's tenant.</summary>
    public const string IntegrationNotFound = "integration_not_found";

    /// <summary>409: the integration is used by connections; delete them (or move them to another integration) first.</summary>
    public const string IntegrationInUse = "integration_in_use";

    /// <summary>404: no catalog provider with this id.</summary>
    public const string ProviderNotFound = "provider_not_found";

    /// <summary>409: the connection has no identity call to check its token with (no <c>userInfoUrl</c>).</summary>
    public const string CheckUnavailable = "check_unavailable";

    /// <summary>404: no webhook with this id in the caller's tenant.</summary>
    public const string WebhookNotFound = "webhook_not_found";

    /// <summary>409: the tenant has the most webhooks allowed; delete one first.</summary>
    public const string WebhookLimitReached = "webhook_limit_reached";

    /// <summary>404: no connect session with this token in the caller's tenant.</summary>
    public const string ConnectSessionNotFound = "connect_session_not_found";

    /// <summary>Every code, for documentation.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ConnectionNotFound, ConnectionPending, ConnectionDisconnected, ConnectionErrored, ReauthorizationRequired, RefreshBackingOff,
        StorageUnavailable, StorageConflict, ClusterUnavailable, ValidationFailed, InvalidSettings, Unauthorized, RateLimited,
        NotFound, MethodNotAllowed, IntegrationNotFound, IntegrationInUse, ProviderNotFound, CheckUnavailable,
        WebhookNotFound, WebhookLimitReached, ConnectSessionNotFound,
    ];
}

/// <summary>
/// A grain's refusal of one request field (a discovery that failed for <c>issuer</c>, an unknown <c>integration</c>):
/// the API answers it as a validation problem, <c>errors: { field: [message] }</c>.
/// </summary>
[GenerateSerializer, Alias("ActorOAuth.FieldProblemException")]
public sealed class FieldProblemException(string field, string message) : Exception(message)
{
    /// <summary>The field refused, camelCase as in the request body.</summary>
    [Id(0)] public string Field { get; } = field;
}

/// <summary>A domain refusal thrown by a grain and turned into problem details by the API.</summary>
[GenerateSerializer, Alias("ActorOAuth.ConnectionProblemException")]
public sealed class ConnectionProblemException : Exception
{
    public ConnectionProblemException(ConnectionProblemKind kind, string code, string message, TimeSpan? retryAfter = null)
        : base(message)
    {
        Kind = kind;
        Code = code;
        RetryAfter = retryAfter;
    }

    [Id(0)] public ConnectionProblemKind Kind { get; }

    /// <summary>With <see cref="ConnectionProblemKind.Unavailable"/>: when to try again.</summary>
    [Id(1)] public TimeSpan? RetryAfter { get; }

    /// <summary>One of <see cref="ProblemCodes"/>.</summary>
    [Id(2)] public string Code { get; }
}
