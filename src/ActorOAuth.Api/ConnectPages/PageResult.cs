using ActorOAuth.Abstractions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>
/// A customer-facing page: a Razor component rendered on the server (<see cref="RazorComponentResult{TComponent}"/>)
/// with the pages' security headers (<see cref="PageHeaders"/>) and a fresh CSP nonce.
/// </summary>
public sealed class PageResult<TComponent>(int status, Brand brand, Func<PageFrame, object> model, IEnumerable<string>? formTargets = null) : IResult
    where TComponent : IComponent
{
    public int StatusCode => status;

    public Task ExecuteAsync(HttpContext http)
    {
        var frame = new PageFrame(brand, PageHeaders.NewNonce());
        PageHeaders.Apply(http.Response, brand, frame.Nonce, formTargets);
        var result = new RazorComponentResult<TComponent>(new Dictionary<string, object?> { ["Model"] = model(frame) })
        {
            StatusCode = status,
            ContentType = "text/html; charset=utf-8",
        };
        return result.ExecuteAsync(http);
    }
}

/// <summary>The message pages (<see cref="Components.MessagePage"/>): what happened and what to do next.</summary>
public static class MessagePages
{
    public static IResult Show(int status, Brand brand, Func<PageFrame, MessagePageModel> model) =>
        new PageResult<Components.MessagePage>(status, brand, model);

    /// <summary>The page of an unknown (404), expired or revoked (410) session link; every action on it answers the same.</summary>
    public static IResult Expired(ConnectSessionStatus status) => Show(
        status == ConnectSessionStatus.Unknown ? StatusCodes.Status404NotFound : StatusCodes.Status410Gone, Brand.Default,
        frame => new MessagePageModel(frame, "This link has expired",
            status == ConnectSessionStatus.Revoked
                ? "This link to your connections was withdrawn, so it no longer opens them. Nothing was changed."
                : "Links to your connections work for a limited time, and this one is no longer valid. Nothing was changed.",
            "Go back to the application you came from and open its connection settings again: it gives you a new link.")
        {
            Tone = "warning",
        });
}
