using System.Text.Json;
using ActorOAuth.Abstractions;
using Microsoft.AspNetCore.Diagnostics;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>The one place that turns domain refusals and unreadable requests into problem details.</summary>
public sealed class ProblemMapping(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is InvalidFieldException invalid)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                Exception = exception,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] })
                {
                    Status = StatusCodes.Status400BadRequest,
                },
            });
        }

        var (status, title, detail) = exception switch
        {
            ConnectionProblemException e => (StatusFor(e.Kind), TitleFor(e.Kind), e.Message),
            BadHttpRequestException { InnerException: JsonException json } => (400, "The request body is not valid", JsonDetail(json)),
            BadHttpRequestException e => (e.StatusCode, "The request is not valid", e.Message),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        if (exception is ConnectionProblemException { RetryAfter: { } retryAfter })
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static int StatusFor(ConnectionProblemKind kind) => kind switch
    {
        ConnectionProblemKind.NotFound => StatusCodes.Status404NotFound,
        ConnectionProblemKind.Conflict => StatusCodes.Status409Conflict,
        ConnectionProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleFor(ConnectionProblemKind kind) => kind switch
    {
        ConnectionProblemKind.NotFound => "Connection not found",
        ConnectionProblemKind.Conflict => "No usable token for this connection's status",
        ConnectionProblemKind.Unavailable => "The token is being refreshed; retry later",
        _ => "The request is not valid",
    };

    // System.Text.Json's messages name the property (unknown, duplicate or mistyped) and the JSON path,
    // and never echo values.
    private static string JsonDetail(JsonException json) =>
        json.Message + (json.Path is { } path && !json.Message.Contains(path, StringComparison.Ordinal) ? $" Path: {path}." : "");
}
