using System.Globalization;
using System.Text.Json;
using ActorOAuth.Abstractions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Storage;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>
/// The one place that turns domain refusals, storage and cluster trouble and unreadable requests into problem details,
/// each with the machine-readable <c>code</c> a caller branches on (<see cref="ProblemCodes"/>).
/// </summary>
public sealed class ProblemMapping(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>How long a caller should wait while a silo that stopped answering is declared dead.</summary>
    public static readonly TimeSpan ClusterRetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        (ProblemDetails Problem, TimeSpan? RetryAfter)? mapped = exception switch
        {
            InvalidFieldException e => (new HttpValidationProblemDetails(new Dictionary<string, string[]> { [e.Field] = [e.Message] })
            {
                Status = StatusCodes.Status400BadRequest,
            }, null),
            FieldProblemException e => (new HttpValidationProblemDetails(new Dictionary<string, string[]> { [e.Field] = [e.Message] })
            {
                Status = StatusCodes.Status400BadRequest,
            }, null),
            ConnectionProblemException e => (Problem(StatusFor(e.Kind), TitleFor(e), e.Message, e.Code), e.RetryAfter),
            InconsistentStateException => (Problem(StatusCodes.Status503ServiceUnavailable, "The connection is being re-read",
                "Another writer changed the connection first; nothing was changed by this request. Retry.", ProblemCodes.StorageConflict), TimeSpan.FromSeconds(1)),
            _ when IsStorageTrouble(exception) => (Problem(StatusCodes.Status503ServiceUnavailable, "Storage is unavailable",
                "The connection's storage does not answer; nothing was changed. Retry.", ProblemCodes.StorageUnavailable), TimeSpan.FromSeconds(5)),
            _ when IsClusterTrouble(exception) => (Problem(StatusCodes.Status503ServiceUnavailable, "The connection is briefly unavailable",
                "The server holding this connection does not answer; the cluster is moving it. Retry.", ProblemCodes.ClusterUnavailable), ClusterRetryAfter),
            BadHttpRequestException { InnerException: JsonException json } =>
                (Problem(StatusCodes.Status400BadRequest, "The request body is not valid", JsonDetail(json), ProblemCodes.ValidationFailed), null),
            BadHttpRequestException e => (Problem(e.StatusCode, "The request is not valid", e.Message, ProblemCodes.ValidationFailed), null),
            _ => null,
        };
        if (mapped is not var (problem, retryAfter))
        {
            return false;
        }

        if (retryAfter is { } after)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, Exception = exception, ProblemDetails = problem });
    }

    /// <summary>
    /// Adds the <c>code</c> of problems written elsewhere (validation results, authentication, rate limits, status
    /// code pages), so every problem carries one.
    /// </summary>
    public static void AddCode(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Extensions.ContainsKey("code"))
        {
            return;
        }

        var code = problem.Status switch
        {
            StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType => ProblemCodes.ValidationFailed,
            StatusCodes.Status401Unauthorized => ProblemCodes.Unauthorized,
            StatusCodes.Status429TooManyRequests => ProblemCodes.RateLimited,
            StatusCodes.Status404NotFound => ProblemCodes.NotFound,
            StatusCodes.Status405MethodNotAllowed => ProblemCodes.MethodNotAllowed,
            _ => null,
        };
        if (code is not null)
        {
            problem.Extensions["code"] = code;
        }
    }

    /// <summary>A failure worth retrying soon: storage refused, another writer won, or the cluster is moving the grain.</summary>
    public static bool IsTemporary(Exception exception) =>
        exception is ConnectionProblemException { Kind: ConnectionProblemKind.Unavailable } or InconsistentStateException
        || IsStorageTrouble(exception) || IsClusterTrouble(exception);

    /// <summary>A grain whose state could not be read or written (its activation failed while the database was down).</summary>
    private static bool IsStorageTrouble(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException || (e is IOException && exception is OrleansException))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A grain call that failed because its silo died or stopped answering (while the cluster declares it dead and
    /// activates the grain elsewhere), not because of anything the request did.
    /// </summary>
    private static bool IsClusterTrouble(Exception exception) =>
        exception is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
        || exception is OrleansException { InnerException: SiloUnavailableException or TimeoutException };

    private static ProblemDetails Problem(int status, string title, string detail, string code) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Extensions = { ["code"] = code },
    };

    private static int StatusFor(ConnectionProblemKind kind) => kind switch
    {
        ConnectionProblemKind.NotFound => StatusCodes.Status404NotFound,
        ConnectionProblemKind.Conflict => StatusCodes.Status409Conflict,
        ConnectionProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleFor(ConnectionProblemException e) => e.Kind switch
    {
        ConnectionProblemKind.NotFound when e.Code == ProblemCodes.IntegrationNotFound => "Integration not found",
        ConnectionProblemKind.NotFound when e.Code == ProblemCodes.ProviderNotFound => "Provider not found",
        ConnectionProblemKind.Conflict when e.Code == ProblemCodes.IntegrationInUse => "The integration is in use",
        ConnectionProblemKind.NotFound => "Connection not found",
        ConnectionProblemKind.Conflict => "Not possible in the connection's status",
        ConnectionProblemKind.Unavailable => "Temporarily unavailable; retry later",
        _ => "The request is not valid",
    };

    // System.Text.Json's messages name the property (unknown, duplicate or mistyped) and the JSON path,
    // and never echo values.
    private static string JsonDetail(JsonException json) =>
        json.Message + (json.Path is { } path && !json.Message.Contains(path, StringComparison.Ordinal) ? $" Path: {path}." : "");
}
