using System.Net;
using System.Text.Json;
using ActorOAuth.Grains.Security;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// What one provider call got back: status, reason and body (JSON, or a form-encoded document read as one), or the
/// error that stopped it; and how its failure is classified for the failure policy.
/// </summary>
internal sealed record ProviderAnswer(HttpStatusCode Status, string? Reason, JsonElement? Body, TimeSpan? RetryAfter, ProviderError? Error)
{
    private static readonly HashSet<string> TerminalErrors = ["invalid_grant", "invalid_client", "unauthorized_client"];

    // RFC 6749's, and Slack's words for the same (its errors come with HTTP 200).
    private static readonly HashSet<string> TransientErrors =
        ["temporarily_unavailable", "server_error", "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The body's error code, sanitised for a log line or a response; null when it carries none.</summary>
    public string? ErrorCode => ErrorOf(Body) is { } error ? OAuthSyntax.SanitizeErrorCode(error.Code) : null;

    /// <summary>A body read as JSON when it looks like JSON, else as a form-encoded document (GitHub's default); null when neither.</summary>
    public static JsonElement? ParseBody(string text, string? mediaType)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[')
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }

        if (mediaType is "application/x-www-form-urlencoded" or "text/plain" && text.Contains('='))
        {
            var form = QueryHelpers.ParseQuery(text.StartsWith('?') ? text : "?" + text);
            return JsonSerializer.SerializeToElement(form.ToDictionary(p => p.Key, p => p.Value.ToString()));
        }

        return null;
    }

    /// <summary>A failure whatever the status: a body carrying <c>error</c>, or <c>"ok": false</c> where the entry says so.</summary>
    public ProviderError? Failure(bool okField)
    {
        if (Body is not { ValueKind: JsonValueKind.Object } body)
        {
            return null;
        }

        if (ErrorOf(body) is { } error)
        {
            return Classify(error.Code, error.Description);
        }

        return okField && body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False
            ? Classify("provider_error", "The provider answered ok:false without an error code.")
            : null;
    }

    /// <summary>The failure this answer is: its error code (or <c>http_{status}</c>), transient or terminal.</summary>
    public ProviderError Classify(string? error = null, string? description = null)
    {
        // The provider's words are logged and shown: only RFC 6749's error characters get through, bounded.
        if (!string.IsNullOrEmpty(error))
        {
            var code = OAuthSyntax.SanitizeErrorCode(error);
            var transient = TransientErrors.Contains(code) || IsTransientStatus;
            return new ProviderError(code, OAuthSyntax.SanitizeDescription(description), transient && !TerminalErrors.Contains(code), RetryAfter);
        }

        return new ProviderError($"http_{(int)Status}", OAuthSyntax.SanitizeDescription(Reason), IsTransientStatus, RetryAfter);
    }

    /// <summary>The <c>error</c> member (a string, or an object with a <c>code</c>) and its description, if any.</summary>
    public static (string Code, string? Description)? ErrorOf(JsonElement? body)
    {
        if (body is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("error", out var error))
        {
            return null;
        }

        var code = error.ValueKind switch
        {
            JsonValueKind.String => error.GetString(),
            JsonValueKind.Object => JsonValues.String(error, "code") ?? OAuthSyntax.InvalidErrorCode,
            JsonValueKind.Null => null,
            _ => OAuthSyntax.InvalidErrorCode,
        };
        if (string.IsNullOrEmpty(code))
        {
            return null;
        }

        var description = JsonValues.String(root, "error_description")
            ?? (error.ValueKind == JsonValueKind.Object ? JsonValues.String(error, "message") : JsonValues.String(root, "message"));
        return (code, description);
    }

    private bool IsTransientStatus => Status == HttpStatusCode.TooManyRequests || (int)Status >= 500;
}
