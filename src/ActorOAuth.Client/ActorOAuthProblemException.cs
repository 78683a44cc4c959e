using System.Net;
using System.Text.Json;

namespace ActorOAuth.Client;

/// <summary>
/// An ActorOAuth API call that did not succeed: the RFC 9457 problem details it answered with. Branch on
/// <see cref="Code"/> (one of <see cref="ActorOAuthProblemCodes"/>); <see cref="RetryAfter"/> says when a 503 or 429 is
/// worth retrying. Never carries a token or a secret.
/// </summary>
public sealed class ActorOAuthProblemException : Exception
{
    /// <summary>A problem the API answered with (or an unsuccessful answer without problem details, <paramref name="code"/> null).</summary>
    public ActorOAuthProblemException(
        HttpStatusCode status,
        string? code,
        string? type,
        string? title,
        string? detail,
        IReadOnlyDictionary<string, string[]>? errors = null,
        TimeSpan? retryAfter = null,
        IReadOnlyDictionary<string, JsonElement>? extensions = null)
        : base(MessageOf(status, code, title, detail, errors))
    {
        Status = status;
        Code = code;
        Type = type;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
        RetryAfter = retryAfter;
        Extensions = extensions ?? new Dictionary<string, JsonElement>();
    }

    /// <summary>The HTTP status of the response.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>
    /// The machine-readable <c>code</c> every ActorOAuth problem carries (see <see cref="ActorOAuthProblemCodes"/>); null
    /// only when the response was not a problem document (for example an HTML error page of a proxy in between).
    /// </summary>
    public string? Code { get; }

    /// <summary>The problem's <c>type</c> URI.</summary>
    public string? Type { get; }

    /// <summary>The problem's <c>title</c>: a short summary.</summary>
    public string? Title { get; }

    /// <summary>The problem's <c>detail</c>: what went wrong in this request.</summary>
    public string? Detail { get; }

    /// <summary>Validation errors by field (camelCase, as in the request), each with its messages; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The response's <c>Retry-After</c>, when it had one (503 and 429 problems do).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Every other member of the problem document (for example <c>traceId</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; }

    private static string MessageOf(HttpStatusCode status, string? code, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    {
        var message = $"ActorOAuth answered {(int)status}{(code is null ? "" : " " + code)}: {detail ?? title ?? status.ToString()}";
        if (errors is { Count: > 0 })
        {
            message += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        }

        return message;
    }
}

/// <summary>The <c>code</c> values of ActorOAuth's problem responses, for callers that branch on them.</summary>
public static class ActorOAuthProblemCodes
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

    /// <summary>503: the change could not be stored and was not made; retry after Retry-After.</summary>
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>503: another writer changed the connection first; retry after Retry-After.</summary>
    public const string StorageConflict = "storage_conflict";

    /// <summary>503: the server holding the connection does not answer; retry after Retry-After.</summary>
    public const string ClusterUnavailable = "cluster_unavailable";

    /// <summary>400: the request or settings are not valid (see <see cref="ActorOAuthProblemException.Errors"/>).</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>400: settings saved earlier are no longer acceptable (for example a URL the policy now refuses).</summary>
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
}
