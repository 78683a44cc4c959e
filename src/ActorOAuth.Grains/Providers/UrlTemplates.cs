using System.Text.RegularExpressions;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// Provider URL templates: <c>{clientId}</c> is filled from the client id (escaped), every other <c>{name}</c> from the
/// connection's <c>params</c>, each value a DNS label or host name, so a value can never add a path, a port, user info
/// or another host.
/// </summary>
public static partial class UrlTemplates
{
    /// <summary>The placeholder filled from the client id rather than from <c>params</c>.</summary>
    public const string ClientId = "clientId";

    /// <summary>The most <c>params</c> a connection gives.</summary>
    public const int MaxParams = 20;

    /// <summary>The placeholder names in <paramref name="template"/>, in order of appearance.</summary>
    public static IEnumerable<string> Placeholders(string template) => Placeholder().Matches(template).Select(m => m.Groups[1].Value);

    /// <summary>A DNS label or host name: labels of 1 to 63 letters, digits and inner hyphens, joined by dots.</summary>
    public static bool IsHostName(string? value) => value is { Length: > 0 and <= 253 } && HostName().IsMatch(value);

    /// <summary>A param name: a letter, then letters and digits, at most 40.</summary>
    public static bool IsParamName(string? value) => value is not null && ParamName().IsMatch(value);

    /// <summary>
    /// The template with every placeholder filled, or null with <paramref name="problem"/> naming the missing or
    /// unacceptable value (never repeating it).
    /// </summary>
    public static string? Fill(string template, string? clientId, IReadOnlyDictionary<string, string>? parameters, out string? problem)
    {
        string? missing = null;
        string? bad = null;
        var filled = Placeholder().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (name == ClientId)
            {
                return Uri.EscapeDataString(clientId ?? "");
            }

            if (parameters is null || !parameters.TryGetValue(name, out var value))
            {
                missing ??= name;
                return match.Value;
            }

            if (!IsHostName(value))
            {
                bad ??= name;
                return match.Value;
            }

            return value;
        });
        problem = missing is not null ? $"params.{missing} is required by the provider's URLs."
            : bad is not null ? $"params.{bad} must be a DNS label or host name (letters, digits, inner hyphens, dots between labels)."
            : null;
        return problem is null ? filled : null;
    }

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]{0,39}\z")]
    private static partial Regex ParamName();
}
