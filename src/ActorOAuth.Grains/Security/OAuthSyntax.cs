namespace ActorOAuth.Grains.Security;

/// <summary>The character rules of RFC 6749 Appendix A for what a provider sends back.</summary>
public static class OAuthSyntax
{
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
}
