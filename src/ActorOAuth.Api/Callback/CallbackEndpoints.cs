using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.Callback;

/// <summary><c>GET /callback</c>: where providers send the customer's browser back.</summary>
public static partial class CallbackEndpoints
{
    public static IEndpointRouteBuilder MapCallback(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/callback", Handle).WithTags("Callback").WithName("Callback").ExcludeFromDescription()
            .RequireRateLimiting(Infrastructure.RateLimiting.CallbackPolicy);
        return routes;
    }

    public static async Task<IResult> Handle(HttpContext http, IGrainFactory grains, ILogger<CallbackMarker> logger)
    {
        var query = http.Request.Query;
        string? One(string name) => query[name] is { Count: 1 } values ? values[0] : null;
        var state = One("state");
        if (string.IsNullOrEmpty(state) || state.Length > 512 || query["code"].Count > 1 || query["state"].Count > 1)
        {
            return Pages.Failure(StatusCodes.Status400BadRequest, "This link is not valid",
                "The address is missing its authorization details. Start the connection again from the application.");
        }

        var connectionKey = await grains.GetGrain<IAuthorizationStateGrain>(ConnectionKeys.ForState(state)).Resolve();
        if (connectionKey is null)
        {
            return InvalidState();
        }

        CallbackOutcome outcome;
        try
        {
            outcome = await grains.GetGrain<IConnectionGrain>(connectionKey).CompleteCallback(
                new CallbackRequest(state, One("code"), One("error"), One("error_description"), One("iss")));
        }
        catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.InvalidState)
        {
            return InvalidState();
        }

        if (outcome.Succeeded)
        {
            LogCompleted(logger);
            return outcome.ReturnUrl is { } returnUrl
                ? Results.Redirect(returnUrl)
                : Pages.Success();
        }

        if (outcome.ProviderTokenEndpointFailed)
        {
            return Pages.Failure(StatusCodes.Status502BadGateway, "The provider did not complete the connection",
                "We could not exchange the authorization for access at the provider.", outcome.ErrorCode, outcome.ErrorDescription);
        }

        return outcome.ErrorCode == "access_denied"
            ? Pages.Failure(StatusCodes.Status400BadRequest, "Access was not granted",
                "The request for access was declined at the provider, so the connection was not made.", outcome.ErrorCode, outcome.ErrorDescription)
            : Pages.Failure(StatusCodes.Status400BadRequest, "The connection could not be completed",
                "The provider answered with an error.", outcome.ErrorCode, outcome.ErrorDescription);
    }

    private static IResult InvalidState() => Pages.Failure(StatusCodes.Status400BadRequest, "This link has expired or was already used",
        "Authorization links work once and for ten minutes. Start the connection again from the application.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Authorization callback completed")]
    private static partial void LogCompleted(ILogger logger);

    /// <summary>Logger category for the callback.</summary>
    public sealed class CallbackMarker;
}
