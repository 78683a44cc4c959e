using ActorOAuth.Grains.Security;

namespace ActorOAuth.Grains.Tests;

public sealed class OAuthSyntaxTests
{
    [Theory]
    [InlineData("invalid_grant", "invalid_grant")]
    [InlineData("a b!#[]~", "a b!#[]~")]
    [InlineData("bad\r\ncode", "bad__code")]
    [InlineData("\u001b[2J", "_[2J")]
    [InlineData("\"quoted\"\\", "_quoted__")]
    [InlineData("caf\u00e9 \U0001F600", "caf_ _")]
    [InlineData("", OAuthSyntax.InvalidErrorCode)]
    [InlineData(null, OAuthSyntax.InvalidErrorCode)]
    public void An_error_code_keeps_only_rfc_6749_error_characters(string? code, string expected) =>
        Assert.Equal(expected, OAuthSyntax.SanitizeErrorCode(code));

    [Fact]
    public void An_error_code_is_cut_to_100_characters()
    {
        Assert.Equal(new string('x', 100), OAuthSyntax.SanitizeErrorCode(new string('x', 101)));
        Assert.Equal(new string('_', 100), OAuthSyntax.SanitizeErrorCode(new string('\n', 5000)));
    }

    [Theory]
    [InlineData("The code has expired.", "The code has expired.")]
    [InlineData("line one\r\nline two", "line one__line two")]
    [InlineData("\u001b[31mred\u001b[0m\t", "_[31mred_[0m_")]
    [InlineData("Zugriff verweigert f\u00fcr caf\u00e9", "Zugriff verweigert f_r caf_")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void An_error_description_keeps_only_rfc_6749_error_characters(string? description, string? expected) =>
        Assert.Equal(expected, OAuthSyntax.SanitizeDescription(description));

    [Fact]
    public void An_error_description_is_bounded_to_500_characters_ending_in_an_ellipsis()
    {
        Assert.Equal(new string('d', 500), OAuthSyntax.SanitizeDescription(new string('d', 500)));
        var cut = OAuthSyntax.SanitizeDescription(new string('d', 501) + "\n")!;
        Assert.Equal(500, cut.Length);
        Assert.Equal(new string('d', 499) + "…", cut);
    }

    [Theory]
    [InlineData("2YotnFZFEjr1zCsicMWpAA", true)]
    [InlineData("with space ~", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("line\nbreak", false)]
    [InlineData("tab\t", false)]
    [InlineData("caf\u00e9", false)]
    [InlineData("del\u007f", false)]
    public void A_token_is_one_or_more_vschars(string? token, bool valid) => Assert.Equal(valid, OAuthSyntax.IsVsChars(token));

    [Theory]
    [InlineData("Bearer", true)]
    [InlineData("N_A", true)]
    [InlineData("mac-1.0", true)]
    [InlineData("urn:ietf:params:oauth:token-type:jwt", true)]
    [InlineData("https://example.com/type", true)]
    [InlineData("", false)]
    [InlineData("Bearer x", false)]
    [InlineData("Bearer\r\n", false)]
    [InlineData("bearer;q=1", false)]
    [InlineData("https://example.com/a b", false)]
    public void A_token_type_is_a_type_name_or_an_absolute_uri(string tokenType, bool valid) =>
        Assert.Equal(valid, OAuthSyntax.IsTokenType(tokenType));
}
