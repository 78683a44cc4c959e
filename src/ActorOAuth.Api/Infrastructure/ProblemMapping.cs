using System.Text.Json;
using ActorOAuth.Abstractions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>The one place that turns domain refusals and unreadable requests into problem details.</summary>
public sealed class ProblemMapping(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            InvalidFieldException e => new HttpValidationProblemDetails(new Dictionary<string, string[]> { [e.Field] = [e.Message] })
            {
                Status = StatusCodes.Status400BadRequest,
            },
            ConnectionProblemException e => new() { Status = StatusFor(e.Kind), Title = TitleFor(e.Kind), Detail = e.Message },
            BadHttpRequestException { InnerException: JsonException json } =>
                new() { Status = StatusCodes.Status400BadRequest, Title = "The request body is not valid", Detail = JsonDetail(json) },
            BadHttpRequestException e => new() { Status = e.StatusCode, Title = "The request is not valid", Detail = e.Message },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        if (exception is ConnectionProblemException { RetryAfter: { } retryAfter })
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, Exception = exception, ProblemDetails = problem });
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
