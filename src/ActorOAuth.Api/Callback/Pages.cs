using ActorOAuth.Api.ConnectPages;

namespace ActorOAuth.Api.Callback;

/// <summary>
/// The pages a customer's browser sees after consenting, on the connect pages' templates (<see cref="MessagePages"/>):
/// each says what happened and what to do next, and links back to the connect page when the attempt came from one.
/// </summary>
public static class Pages
{
    public const string SuccessText = "Authorization completed successfully";

    public const string SavingText = "Your connection is being saved";

    public const string StillWorkingText = "Still connecting";

    /// <summary>A span in words: "10 minutes", "1 hour", "90 seconds".</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 120 } => Plural((int)Math.Round(span.TotalSeconds), "second"),
        { TotalMinutes: < 120 } => Plural((int)Math.Round(span.TotalMinutes), "minute"),
        _ => Plural((int)Math.Round(span.TotalHours), "hour"),
    };

    public static IResult Success(Way way) => Show(StatusCodes.Status200OK, way, SuccessText,
        "The provider granted access and the connection is saved.",
        way.ConnectPageUrl is null ? "You can close this window and return to the application." : "Go back to your connections to see it connected.",
        tone: "success");

    /// <summary>The provider granted access and the tokens are held, but their write has not landed yet (it is retried).</summary>
    public static IResult Saving(Way way) => Show(StatusCodes.Status202Accepted, way, SavingText,
        "The provider granted access and we are still saving it; this takes a few seconds.",
        "You can close this window: the connection shows as connected once it is saved.", tone: "warning");

    /// <summary>
    /// The code exchange is taking long; the page reloads itself at once (the reload's request is held by the server
    /// until the outcome is there or <see cref="ConnectPages.ConnectPageOptions.OutcomeWait"/> passed), so it stays on
    /// screen until the outcome replaces it.
    /// </summary>
    public static IResult StillWorking(Way way, string refreshUrl) => Show(StatusCodes.Status202Accepted, way, StillWorkingText,
        "The provider granted access and we are finishing the connection with it; the provider is answering slowly.",
        "This page updates by itself as soon as it is done. You do not need to do anything.", tone: "info", refreshUrl: refreshUrl);

    /// <summary>A slow exchange's outcome could not be found again (it is kept for a few minutes, in memory).</summary>
    public static IResult Unknown(Way way) => Show(StatusCodes.Status404NotFound, way, "We cannot tell how this attempt ended",
        "This page no longer knows what happened to the connection attempt; the connection itself shows it.",
        way.ConnectPageUrl is null ? "Return to the application to see whether it is connected, and connect again if not." : "Go back to your connections to see whether it is connected.",
        tone: "warning");

    public static IResult Failure(int status, Way way, string title, string explanation, string whatNext, string? errorCode = null, string? errorDescription = null)
    {
        string? said = null;
        if (!string.IsNullOrEmpty(errorCode))
        {
            said = errorCode;
            if (!string.IsNullOrEmpty(errorDescription))
            {
                said += " — " + (errorDescription.Length > 500 ? errorDescription[..500] + "…" : errorDescription);
            }
        }

        return Show(status, way, title, explanation, whatNext, said, "error");
    }

    private static IResult Show(int status, Way way, string title, string whatHappened, string whatNext, string? providerSaid = null,
        string tone = "info", string? refreshUrl = null) =>
        MessagePages.Show(status, way.Brand, frame => new MessagePageModel(frame, title, whatHappened, whatNext)
        {
            ProviderSaid = providerSaid,
            ConnectPageUrl = way.ConnectPageUrl,
            ReturnUrl = way.ReturnUrl,
            RefreshUrl = refreshUrl,
            Tone = tone,
        });

    private static string Plural(int count, string unit) => count == 1 ? $"1 {unit}" : $"{count} {unit}s";

    /// <summary>The tenant's look and the ways back: the connect page the attempt came from, the vendor's application.</summary>
    public sealed record Way(Brand Brand, string? ConnectPageUrl = null, string? ReturnUrl = null)
    {
        public static readonly Way Unknown = new(Brand.Default);
    }
}
