using System.Text.RegularExpressions;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>The contract's connection id syntax.</summary>
public static partial class ConnectionIds
{
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$")]
    private static partial Regex Pattern();
}
