using ActorOAuth.Abstractions;
using ActorOAuth.Api.ConnectPages;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Grains;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Callback;

/// <summary>
/// <c>GET /callback</c>: where providers send the customer's browser back. The code exchange is waited for a bounded
/// time (<see cref="ConnectPageOptions.CallbackWait"/>); past it the browser gets a page that refreshes itself to
/// <c>/callback/outcome</c>, which waits up to <see cref="ConnectPageOptions.OutcomeWait"/> for the outcome and shows it
/// once the grain has it, or the same page again (the exchange goes on in the grain meanwhile).
/// </summary>
public static partial class CallbackEndpoints
{
    public const string OutcomePath = "/callback/outcome";

    public static IEndpointRouteBuilder MapCallback(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/callback", Handle).WithTags("Callback").WithName("Callback").ExcludeFromDescription()
            .RequireRateLimiting(RateLimiting.CallbackPolicy);
        routes.MapGet(OutcomePath, Outcome).WithTags("Callback").WithName("CallbackOutcome").ExcludeFromDescription()
            .RequireRateLimiting(RateLimiting.CallbackPolicy);
        return routes;
    }

    public static async Task<IResult> Handle(HttpContext http, IGrainFactory grains, IOptions<ConnectionOptions> connections,
        IOptions<ConnectPageOptions> pages, IOptions<ActorOAuthOptions> options, TimeProvider time, ILogger<CallbackMarker> logger)
    {
        var query = http.Request.Query;
        string? One(string name) => query[name] is { Count: 1 } values ? values[0] : null;
        var state = One("state");
        if (string.IsNullOrEmpty(state) || state.Length > 512 || query["code"].Count > 1 || query["state"].Count > 1)
        {
            return Pages.Failure(StatusCodes.Status400BadRequest, Pages.Way.Unknown, "This link is not valid",
                "The address is missing its authorization details.", "Start the connection again from the application.");
        }

        var reference = ConnectionKeys.ForState(state);
        var completion = grains.GetGrain<ICallbackCompletionGrain>(reference)
            .Complete(new CallbackRequest(state, One("code"), One("error"), One("error_description"), One("iss")) { Query = Extra(query) });
        CallbackOutcome outcome;
        try
        {
            outcome = await completion.WaitAsync(pages.Value.CallbackWait, time);
        }
        catch (TimeoutException)
        {
            // The grain call goes on (Orleans does not cancel it); its outcome is asked for by the refreshing page.
            _ = completion.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            LogStillWorking(logger, pages.Value.CallbackWait);
            return Pages.StillWorking(await WayBack(http, grains, options.Value, null), $"{OutcomePath}?ref={reference}");
        }
        catch (Exception e) when (ProblemMapping.IsTemporary(e))
        {
            return NotSaved();
        }

        return await Show(http, grains, options.Value, connections.Value, outcome, logger);
    }

    /// <summary>Where the "still working" page refreshes to: the outcome when it is there, the same page while it is not.</summary>
    public static async Task<IResult> Outcome(string? @ref, HttpContext http, IGrainFactory grains, IOptions<ConnectionOptions> connections,
        IOptions<ConnectPageOptions> pages, IOptions<ActorOAuthOptions> options, ILogger<CallbackMarker> logger)
    {
        if (@ref is not { Length: 64 } reference || !reference.All(char.IsAsciiHexDigitLower))
        {
            return Pages.Failure(StatusCodes.Status400BadRequest, Pages.Way.Unknown, "This link is not valid",
                "The address does not name a connection attempt.", "Start the connection again from the application.");
        }

        CallbackProgress progress;
        try
        {
            progress = await grains.GetGrain<ICallbackCompletionGrain>(reference).Progress(pages.Value.OutcomeWait);
        }
        catch (Exception e) when (ProblemMapping.IsTemporary(e))
        {
            return Pages.Unknown(await WayBack(http, grains, options.Value, null));
        }

        return progress switch
        {
            { Outcome: { } outcome } => await Show(http, grains, options.Value, connections.Value, outcome, logger),
            { Started: true } => Pages.StillWorking(await WayBack(http, grains, options.Value, null), $"{OutcomePath}?ref={reference}"),
            _ => Pages.Unknown(await WayBack(http, grains, options.Value, null)),
        };
    }

    private static async Task<IResult> Show(HttpContext http, IGrainFactory grains, ActorOAuthOptions options, ConnectionOptions connections,
        CallbackOutcome outcome, ILogger logger)
    {
        Pages.Way way;
        try
        {
            way = await WayBack(http, grains, options, outcome.ConnectionKey);
        }
        catch (Exception e) when (ProblemMapping.IsTemporary(e))
        {
            way = new Pages.Way(Brand.For(options, Tenant(outcome.ConnectionKey)));
        }

        const string again = "Start the connection again from the application.";
        var retry = way.ConnectPageUrl is null ? again : "Go back to your connections and press Connect again.";
        switch (outcome.Result)
        {
            case CallbackResult.Succeeded:
                LogCompleted(logger);
                return outcome.ReturnUrl switch
                {
                    ConnectPageEndpoints.ReturnMarker when way.ConnectPageUrl is { } page => Results.Redirect(page),
                    ConnectPageEndpoints.ReturnMarker or null => Pages.Success(way),
                    var returnUrl => Results.Redirect(returnUrl),
                };
            case CallbackResult.Saving:
                LogSaving(logger);
                return Pages.Saving(way);
            case CallbackResult.Denied:
                return Pages.Failure(StatusCodes.Status400BadRequest, way, "Access was not granted",
                    "You cancelled at the provider — nothing was connected.",
                    way.ConnectPageUrl is null ? "To connect after all, start again from the application." : "To connect after all, go back to your connections and press Connect.",
                    outcome.ErrorCode, outcome.ErrorDescription);
            case CallbackResult.TokenEndpointFailed:
                return Pages.Failure(StatusCodes.Status502BadGateway, way, "The provider did not complete the connection",
                    "We could not exchange the authorization for access at the provider, so nothing new was connected.", retry, outcome.ErrorCode, outcome.ErrorDescription);
            case CallbackResult.IssuerMismatch:
                return Pages.Failure(StatusCodes.Status400BadRequest, way, "The connection could not be completed",
                    "The answer did not come from the expected provider, so it was refused and nothing was connected.", retry);
            case CallbackResult.Expired:
                return Pages.Failure(StatusCodes.Status400BadRequest, way, "This link has expired or was already used",
                    $"Authorization links work once and for {Pages.Duration(connections.AuthorizationLifetime)}, so nothing was changed.", retry);
            default:
                return Pages.Failure(StatusCodes.Status400BadRequest, way, "The connection could not be completed",
                    "The provider answered with an error, so nothing was connected.", retry, outcome.ErrorCode, outcome.ErrorDescription);
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

    private static IResult NotSaved() => Pages.Failure(StatusCodes.Status503ServiceUnavailable, Pages.Way.Unknown, "The connection could not be saved",
        "Nothing was connected because the service could not save it just now.", "Wait a moment, then start the connection again from the application.");

    /// <summary>The tenant's look, and the connect page when this browser came from one that lists the connection.</summary>
    private static async Task<Pages.Way> WayBack(HttpContext http, IGrainFactory grains, ActorOAuthOptions options, string? connectionKey)
    {
        var brand = Brand.For(options, Tenant(connectionKey));
        return await ConnectPageEndpoints.PageOfCallback(http, grains, connectionKey) is var (url, session)
            ? new Pages.Way(Brand.For(options, session.Tenant), url, session.ReturnUrl)
            : new Pages.Way(brand);
    }

    private static string? Tenant(string? connectionKey) => connectionKey is null ? null : ConnectionKeys.Split(connectionKey).Tenant;

    [LoggerMessage(Level = LogLevel.Information, Message = "Authorization callback completed")]
    private static partial void LogCompleted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authorization callback exchanged its code; the tokens' write is being retried")]
    private static partial void LogSaving(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authorization callback: the code exchange took longer than {Wait}; the browser was sent a page that refreshes itself")]
    private static partial void LogStillWorking(ILogger logger, TimeSpan wait);

    /// <summary>Logger category for the callback.</summary>
    public sealed class CallbackMarker;
}
