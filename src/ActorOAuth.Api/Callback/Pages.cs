using System.Text;
using System.Text.Encodings.Web;

namespace ActorOAuth.Api.Callback;

/// <summary>The small HTML pages a customer's browser sees after consenting. Everything reflected is HTML-encoded.</summary>
public static class Pages
{
    public const string SuccessText = "Authorization completed successfully";

    public const string SavingText = "Your connection is being saved";

    public static IResult Success() => Page(StatusCodes.Status200OK, SuccessText,
        "You can close this window and return to the application.");

    /// <summary>The provider granted access and the tokens are held, but their write has not landed yet (it is retried).</summary>
    public static IResult Saving() => Page(StatusCodes.Status202Accepted, SavingText,
        "The provider granted access and we are still saving it; this takes a few seconds. You can close this window: the connection shows as connected once it is saved.");

    /// <summary>A span in words: "10 minutes", "1 hour", "90 seconds".</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 120 } => Plural((int)Math.Round(span.TotalSeconds), "second"),
        { TotalMinutes: < 120 } => Plural((int)Math.Round(span.TotalMinutes), "minute"),
        _ => Plural((int)Math.Round(span.TotalHours), "hour"),
    };

    private static string Plural(int count, string unit) => count == 1 ? $"1 {unit}" : $"{count} {unit}s";

    public static IResult Failure(int status, string title, string explanation, string? errorCode = null, string? errorDescription = null)
    {
        var details = new StringBuilder();
        if (!string.IsNullOrEmpty(errorCode))
        {
            details.Append("<p class=\"detail\">The provider said: <code>").Append(HtmlEncoder.Default.Encode(errorCode)).Append("</code>");
            if (!string.IsNullOrEmpty(errorDescription))
            {
                details.Append(" — ").Append(HtmlEncoder.Default.Encode(errorDescription.Length > 500 ? errorDescription[..500] + "…" : errorDescription));
            }

            details.Append("</p>");
        }

        return Page(status, title, explanation, details.ToString());
    }

    private static IResult Page(int status, string title, string explanation, string detailsHtml = "")
    {
        var encodedTitle = HtmlEncoder.Default.Encode(title);
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{encodedTitle}}</title>
            <style>
              body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
              h1 { font-size: 1.4rem; }
              .detail { color: #555; }
            </style>
            </head>
            <body>
            <h1>{{encodedTitle}}</h1>
            <p>{{HtmlEncoder.Default.Encode(explanation)}}</p>
            {{detailsHtml}}
            </body>
            </html>
            """;
        return new PageResult(status, html);
    }

    private sealed class PageResult(int status, string html) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var headers = http.Response.Headers;
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            http.Response.StatusCode = status;
            http.Response.ContentType = "text/html; charset=utf-8";
            return http.Response.WriteAsync(html);
        }
    }
}
