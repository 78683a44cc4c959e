using System.Text;

namespace ActorOAuth.Grains.Security;

/// <summary>
/// The character rules of RFC 6749 Appendix A for what a provider sends back, as checks (token values, which are
/// refused when broken) and sanitizers (error codes and descriptions, which are shown and logged, so whatever a
/// provider or a browser sends is reduced to the allowed characters first: no CR/LF to forge a log line, no escape
/// sequence to drive a terminal).
/// </summary>
public static class OAuthSyntax
{
    /// <summary>The longest error code kept; a longer one is cut.</summary>
    public const int MaxErrorCodeLength = 100;

    /// <summary>The longest error description kept, the closing <c>…</c> included.</summary>
    public const int MaxDescriptionLength = 500;

    /// <summary>The code given for an error whose code is missing or empty.</summary>
    public const string InvalidErrorCode = "invalid_error";

    /// <summary>What replaces each character outside the allowed set.</summary>
    public const char Replacement = '_';

    /// <summary>A.12/A.13 (<c>access_token</c>, <c>refresh_token</c>): <c>1*VSCHAR</c>, VSCHAR = %x20-7E.</summary>
    public static bool IsVsChars(string? value) => !string.IsNullOrEmpty(value) && value.All(IsVsChar);

    /// <summary>VSCHAR = %x20-7E: printable ASCII and the space.</summary>
    public static bool IsVsChar(char c) => c is >= ' ' and <= '~';

    /// <summary>
    /// A.7 (<c>token_type</c>): a <c>type-name</c> (<c>1*name-char</c>, name-char = "-" / "." / "_" / DIGIT / ALPHA)
    /// or, for extension types (§8.1), an absolute URI of printable ASCII.
    /// </summary>
    public static bool IsTokenType(string? value) =>
        !string.IsNullOrEmpty(value)
        && (value.All(IsNameChar)
            || (value.All(c => c is > ' ' and <= '~') && Uri.TryCreate(value, UriKind.Absolute, out _)));

    /// <summary>A.7 name-char: "-" / "." / "_" / DIGIT / ALPHA.</summary>
    public static bool IsNameChar(char c) => c is '-' or '.' or '_' or (>= '0' and <= '9') or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z');

    /// <summary>A.7/A.8 (<c>error</c>, <c>error_description</c>): %x20-21 / %x23-5B / %x5D-7E (no <c>"</c> or <c>\</c>).</summary>
    public static bool IsErrorChar(char c) => c is (>= ' ' and <= '!') or (>= '#' and <= '[') or (>= ']' and <= '~');

    /// <summary>
    /// An error code fit to show and log: each character outside <see cref="IsErrorChar"/> becomes
    /// <see cref="Replacement"/>, at most <see cref="MaxErrorCodeLength"/> characters, <see cref="InvalidErrorCode"/>
    /// when nothing is given. A valid code comes back unchanged.
    /// </summary>
    public static string SanitizeErrorCode(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return InvalidErrorCode;
        }

        var clean = Clean(code, MaxErrorCodeLength);
        return clean.Length <= MaxErrorCodeLength ? clean : clean[..MaxErrorCodeLength];
    }

    /// <summary>
    /// An error description fit to show and log: each character outside <see cref="IsErrorChar"/> becomes
    /// <see cref="Replacement"/>, at most <see cref="MaxDescriptionLength"/> characters (a longer one ends in
    /// <c>…</c>); null when nothing is given. A valid description up to the limit comes back unchanged.
    /// </summary>
    public static string? SanitizeDescription(string? description)
    {
        if (string.IsNullOrEmpty(description))
        {
            return null;
        }

        var clean = Clean(description, MaxDescriptionLength);
        return clean.Length <= MaxDescriptionLength ? clean : clean[..(MaxDescriptionLength - 1)] + "…";
    }

    /// <summary>Replaces characters outside the set, one replacement per code point; stops a little past <paramref name="limit"/>.</summary>
    private static string Clean(string value, int limit)
    {
        if (value.Length <= limit && value.All(IsErrorChar))
        {
            return value;
        }

        var builder = new StringBuilder(Math.Min(value.Length, limit + 1));
        foreach (var rune in value.EnumerateRunes())
        {
            if (builder.Length > limit)
            {
                break;
            }

            builder.Append(rune.IsAscii && IsErrorChar((char)rune.Value) ? (char)rune.Value : Replacement);
        }

        return builder.ToString();
    }
}
