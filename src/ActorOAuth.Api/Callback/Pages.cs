using System.Text;
using System.Text.Encodings.Web;

namespace ActorOAuth.Api.Callback;

/// <summary>The small HTML pages a customer's browser sees after consenting. Everything reflected is HTML-encoded.</summary>
public static class Pages
{
    public const string SuccessText = "Authorization completed successfully";

    public static IResult Success() => Page(StatusCodes.Status200OK, SuccessText,
        "You can close this window and return to the application.");

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
