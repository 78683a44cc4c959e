using System.Buffers.Text;
using System.Reflection;
using ActorOAuth.Abstractions;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Grains;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>
/// <c>/connect/{token}</c>: the customer's page of a connect session. The token in the path is the only credential the
/// browser holds; it reaches only the session's listed connections of its tenant. Actions are HTML form posts with an
/// anti-forgery token, answered with a redirect (post, redirect, get), so the page works without JavaScript.
/// </summary>
public static partial class ConnectPageEndpoints
{
    /// <summary>
    /// The <c>returnUrl</c> a Connect from the page gives its authorization: not a URL, a mark the callback recognises,
    /// so the session token itself is never stored with the attempt. The callback finds the page again through
    /// <see cref="ReturnCookie"/>, which the browser holds.
    /// </summary>
    public const string ReturnMarker = "actoroauth:connect-page";

    /// <summary>
    /// Set by Connect, read by <c>/callback</c>: the session token, for the way back to the page. HttpOnly, only sent to
    /// <c>/callback</c>, SameSite=Lax (the provider's redirect back is a top-level navigation), gone with the attempt.
    /// </summary>
    public const string ReturnCookie = "actoroauth-connect";

    /// <summary>How many log entries the log page shows, newest first.</summary>
    public const int LogEntries = 50;

    private const string Assets = "ConnectPages.Assets.";

    public static string PathOf(string token) => $"/connect/{token}";

    /// <summary>Whether <paramref name="token"/> looks like a session token (base64url of 32 bytes); anything else is unknown.</summary>
    public static bool IsTokenShaped(string? token) => token is { Length: 43 } && Base64Url.IsValid(token);

    public static IEndpointRouteBuilder MapConnectPages(this IEndpointRouteBuilder routes)
    {
        routes.MapConnectSessions();
        var pages = routes.MapGroup("/connect").WithTags("Connect page").ExcludeFromDescription().RequireRateLimiting(RateLimiting.CallbackPolicy);
        pages.MapGet("/assets/{file}", Asset);
        pages.MapGet("/{token}", Page);
        pages.MapGet("/{token}/status", Status);
        pages.MapGet("/{token}/connections/{id}/log", Log);
        pages.MapPost("/{token}/connections/{id}/connect", Connect);
        pages.MapPost("/{token}/connections/{id}/disconnect", Disconnect);
        return routes;
    }

    public static async Task<IResult> Page(string token, HttpContext http, IGrainFactory grains, IAntiforgery antiforgery,
        IOptions<ActorOAuthOptions> options, IProviderDisplayNames names)
    {
        var lookup = await Lookup(grains, token);
        if (lookup.Session is not { } session)
        {
            return MessagePages.Expired(lookup.Status);
        }

        var blocks = await Blocks(grains, session, names);
        var form = antiforgery.GetAndStoreTokens(http);
        var brand = Brand.For(options.Value, session.Tenant);
        return new PageResult<Components.ConnectPage>(StatusCodes.Status200OK, brand,
            frame => new ConnectPageModel(frame, PathOf(token), blocks, session.ReturnUrl, session.ExpiresAt, form.FormFieldName, form.RequestToken!),
            FormTargets(blocks));
    }

    /// <summary>The lights as JSON, for the page's optional script.</summary>
    public static async Task<IResult> Status(string token, HttpContext http, IGrainFactory grains, IProviderDisplayNames names)
    {
        http.Response.Headers.CacheControl = "no-store";
        var lookup = await Lookup(grains, token);
        if (lookup.Session is not { } session)
        {
            return Results.StatusCode(lookup.Status == ConnectSessionStatus.Unknown ? StatusCodes.Status404NotFound : StatusCodes.Status410Gone);
        }

        var items = (await Blocks(grains, session, names)).Where(b => b.View is not null)
            .Select(b => new { id = b.Id, status = Wording.Wire(b.View!.Status), label = Wording.Light(b.View.Status), colour = Wording.Colour(b.View.Status) });
        return Results.Json(new { items });
    }

    public static async Task<IResult> Log(string token, string id, IGrainFactory grains, IOptions<ActorOAuthOptions> options, IProviderDisplayNames names)
    {
        var lookup = await Lookup(grains, token);
        if (lookup.Session is not { } session)
        {
            return MessagePages.Expired(lookup.Status);
        }

        var brand = Brand.For(options.Value, session.Tenant);
        if (!session.Lists(id))
        {
            return NotInSession(brand, token);
        }

        var grain = grains.GetGrain<IConnectionGrain>(ConnectionKeys.For(session.Tenant, id));
        try
        {
            var view = await grain.Get();
            var entries = await grain.GetLogs(LogEntries);
            var block = new ConnectionBlock(id, names.NameOf(view), view);
            return new PageResult<Components.LogPage>(StatusCodes.Status200OK, brand, frame => new LogPageModel(frame, PathOf(token), block, entries));
        }
        catch (Exception e) when (Refusal(e, brand, token) is { } refusal)
        {
            return refusal;
        }
    }

    /// <summary>Starts an authorization and sends the browser to the provider; the callback brings it back to the page.</summary>
    public static async Task<IResult> Connect(string token, string id, HttpContext http, IGrainFactory grains, IAntiforgery antiforgery,
        IOptions<ActorOAuthOptions> options, IOptions<ConnectionOptions> connections)
    {
        var (session, brand, refused) = await Act(token, id, http, grains, antiforgery, options.Value);
        if (refused is not null)
        {
            return refused;
        }

        try
        {
            var start = await grains.GetGrain<IConnectionGrain>(ConnectionKeys.For(session!.Tenant, id))
                .Authorize(options.Value.CallbackUrlFor(session.Tenant), ReturnMarker);
            http.Response.Cookies.Append(ReturnCookie, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                Path = "/callback",
                MaxAge = connections.Value.AuthorizationLifetime,
                IsEssential = true,
            });
            return SeeOther(start.AuthorizationUrl);
        }
        catch (Exception e) when (Refusal(e, brand, token) is { } refusal)
        {
            return refusal;
        }
    }

    public static async Task<IResult> Disconnect(string token, string id, HttpContext http, IGrainFactory grains, IAntiforgery antiforgery,
        IOptions<ActorOAuthOptions> options)
    {
        var (session, brand, refused) = await Act(token, id, http, grains, antiforgery, options.Value);
        if (refused is not null)
        {
            return refused;
        }

        try
        {
            await grains.GetGrain<IConnectionGrain>(ConnectionKeys.For(session!.Tenant, id)).Disconnect();
            return SeeOther($"{PathOf(token)}#connection-{id}");
        }
        catch (Exception e) when (Refusal(e, brand, token) is { } refusal)
        {
            return refusal;
        }
    }

    /// <summary>
    /// The connect page a callback's browser came from: the session in <see cref="ReturnCookie"/>, when it is active and,
    /// for a known connection, of its tenant and lists it. Null otherwise.
    /// </summary>
    public static async Task<(string Url, ConnectSession Session)?> PageOfCallback(HttpContext http, IGrainFactory grains, string? connectionKey)
    {
        if (http.Request.Cookies[ReturnCookie] is not { } token || (await Lookup(grains, token)).Session is not { } session)
        {
            return null;
        }

        if (connectionKey is null)
        {
            return (PathOf(token), session);
        }

        var (tenant, id) = ConnectionKeys.Split(connectionKey);
        return session.Tenant == tenant && session.Lists(id) ? ($"{PathOf(token)}#connection-{id}", session) : null;
    }

    public static IResult Asset(string file)
    {
        var type = Path.GetExtension(file) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var stream = type is null ? null : Assembly.GetExecutingAssembly().GetManifestResourceStream(Assets + file);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }

    /// <summary>The session of an action, once it is open, the form's anti-forgery token valid and the connection listed; else the refusal.</summary>
    private static async Task<(ConnectSession? Session, Brand Brand, IResult? Refusal)> Act(string token, string id, HttpContext http,
        IGrainFactory grains, IAntiforgery antiforgery, ActorOAuthOptions options)
    {
        var lookup = await Lookup(grains, token);
        if (lookup.Session is not { } session)
        {
            return (null, Brand.Default, MessagePages.Expired(lookup.Status));
        }

        var brand = Brand.For(options, session.Tenant);
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return (null, brand, MessagePages.Show(StatusCodes.Status400BadRequest, brand, frame => new MessagePageModel(frame,
                "This form could not be accepted", "The page you sent it from was too old or incomplete, so nothing was changed.",
                "Open your connections again and press the button once more.") { ConnectPageUrl = PathOf(token), Tone = "warning" }));
        }

        return session.Lists(id) ? (session, brand, null) : (null, brand, NotInSession(brand, token));
    }

    private static IResult NotInSession(Brand brand, string token) => MessagePages.Show(StatusCodes.Status404NotFound, brand, frame =>
        new MessagePageModel(frame, "This connection is not part of this link",
            "The link you opened reaches only the connections it was made for, and this is not one of them. Nothing was changed.",
            "Go back to your connections and choose one of those listed.") { ConnectPageUrl = PathOf(token), Tone = "warning" });

    /// <summary>A grain's refusal as a page: the connection is gone (404), cannot start (400), or is briefly unavailable (503).</summary>
    private static IResult? Refusal(Exception e, Brand brand, string token)
    {
        (int Status, string Title, string What)? page = e switch
        {
            ConnectionProblemException { Kind: ConnectionProblemKind.NotFound } =>
                (404, "This connection no longer exists", "It was removed by the application, so there is nothing to change."),
            ConnectionProblemException { Kind: ConnectionProblemKind.Invalid } =>
                (400, "This connection cannot be started", "Its settings are no longer accepted, so nothing was changed. The application's owner needs to check them."),
            ConnectionProblemException { Kind: ConnectionProblemKind.Unavailable } =>
                (503, "Please try again in a moment", "The service could not save this just now, so nothing was changed."),
            _ when ProblemMapping.IsTemporary(e) =>
                (503, "Please try again in a moment", "The service could not save this just now, so nothing was changed."),
            _ => null,
        };
        return page is not var (status, title, what) ? null : MessagePages.Show(status, brand, frame =>
            new MessagePageModel(frame, title, what, "Go back to your connections and try again.") { ConnectPageUrl = PathOf(token), Tone = "error" });
    }

    /// <summary>The session of a token; a token of the wrong shape is unknown without asking a grain.</summary>
    private static Task<ConnectSessionLookup> Lookup(IGrainFactory grains, string token) =>
        IsTokenShaped(token) ? grains.GetGrain<IConnectSessionGrain>(ConnectSessionKeys.For(token)).Find() : Task.FromResult(new ConnectSessionLookup(ConnectSessionStatus.Unknown));

    private static async Task<IReadOnlyList<ConnectionBlock>> Blocks(IGrainFactory grains, ConnectSession session, IProviderDisplayNames names)
    {
        var views = await Task.WhenAll(session.Connections.Select(async id =>
        {
            try
            {
                return await grains.GetGrain<IConnectionGrain>(ConnectionKeys.For(session.Tenant, id)).Get();
            }
            catch (ConnectionProblemException e) when (e.Kind == ConnectionProblemKind.NotFound)
            {
                return null;
            }
        }));
        return [.. session.Connections.Zip(views, (id, view) => new ConnectionBlock(id, view is null ? id : names.NameOf(view), view))];
    }

    /// <summary>Where Connect forms end up: the providers' authorize origins, or any https origin when one is hidden.</summary>
    private static IEnumerable<string> FormTargets(IEnumerable<ConnectionBlock> blocks) => blocks.Where(b => b.View is not null)
        .Select(b => b.View!.AuthorizeUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? PageHeaders.Origin(uri) : "https:");

    private static IResult SeeOther(string location) => new SeeOtherResult(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = location;
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }
    }
}
