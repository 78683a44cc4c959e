using ActorOAuth.Abstractions;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Grains;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Callback;

/// <summary><c>GET /callback</c>: where providers send the customer's browser back.</summary>
public static partial class CallbackEndpoints
{
    public static IEndpointRouteBuilder MapCallback(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/callback", Handle).WithTags("Callback").WithName("Callback").ExcludeFromDescription()
            .RequireRateLimiting(RateLimiting.CallbackPolicy);
        return routes;
    }

    public static async Task<IResult> Handle(HttpContext http, IGrainFactory grains, IOptions<ConnectionOptions> connections, ILogger<CallbackMarker> logger)
    {
        var query = http.Request.Query;
        string? One(string name) => query[name] is { Count: 1 } values ? values[0] : null;
        var state = One("state");
        if (string.IsNullOrEmpty(state) || state.Length > 512 || query["code"].Count > 1 || query["state"].Count > 1)
        {
            return Pages.Failure(StatusCodes.Status400BadRequest, "This link is not valid",
                "The address is missing its authorization details. Start the connection again from the application.");
        }

        CallbackOutcome outcome;
        try
        {
            outcome = await AuthorizationCallback.Complete(grains,
                new CallbackRequest(state, One("code"), One("error"), One("error_description"), One("iss")) { Query = Extra(query) });
        }
        catch (Exception e) when (ProblemMapping.IsTemporary(e))
        {
            return Pages.Failure(StatusCodes.Status503ServiceUnavailable, "The connection could not be saved",
                "Nothing was connected because the service could not save it just now. Wait a moment, then start the connection again from the application.");
        }

        switch (outcome.Result)
        {
            case CallbackResult.Succeeded:
                LogCompleted(logger);
                return outcome.ReturnUrl is { } returnUrl ? Results.Redirect(returnUrl) : Pages.Success();
            case CallbackResult.Saving:
                LogSaving(logger);
                return Pages.Saving();
            case CallbackResult.Denied:
                return Pages.Failure(StatusCodes.Status400BadRequest, "Access was not granted",
                    "The request for access was declined at the provider, so the connection was not made.", outcome.ErrorCode, outcome.ErrorDescription);
            case CallbackResult.TokenEndpointFailed:
                return Pages.Failure(StatusCodes.Status502BadGateway, "The provider did not complete the connection",
                    "We could not exchange the authorization for access at the provider.", outcome.ErrorCode, outcome.ErrorDescription);
            case CallbackResult.IssuerMismatch:
                return Pages.Failure(StatusCodes.Status400BadRequest, "The connection could not be completed",
                    "The answer did not come from the expected provider, so it was refused. Start the connection again from the application.");
            case CallbackResult.Expired:
                return Pages.Failure(StatusCodes.Status400BadRequest, "This link has expired or was already used",
                    $"Authorization links work once and for {Pages.Duration(connections.Value.AuthorizationLifetime)}. Start the connection again from the application.");
            default:
                return Pages.Failure(StatusCodes.Status400BadRequest, "The connection could not be completed",
                    "The provider answered with an error.", outcome.ErrorCode, outcome.ErrorDescription);
        }
    }

    /// <summary>
    /// The query's other single-valued parameters (a provider's <c>realmId</c>, <c>shop</c>, <c>hmac</c> …), bounded by
    /// <see cref="ConnectionConfig"/>'s limits: the connection keeps what its provider's catalog entry names.
    /// </summary>
    private static Dictionary<string, string>? Extra(IQueryCollection query)
    {
        Dictionary<string, string>? extra = null;
        foreach (var (name, values) in query)
        {
            if (name is "code" or "state" or "error" or "error_description" or "iss" || values.Count != 1
                || name.Length > ConnectionConfig.MaxKeyLength || values[0]!.Length > ConnectionConfig.MaxValueLength)
            {
                continue;
            }

            extra ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (extra.Count == ConnectionConfig.MaxEntries)
            {
                break;
            }

            extra[name] = values[0]!;
        }

        return extra;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Authorization callback completed")]
    private static partial void LogCompleted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authorization callback exchanged its code; the tokens' write is being retried")]
    private static partial void LogSaving(ILogger logger);

    /// <summary>Logger category for the callback.</summary>
    public sealed class CallbackMarker;
}
