using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorOAuth.Api.Connections;

/// <summary>
/// Checks an execution's error report (<c>POST /api/connections/{id}/errors</c>) before the connection logs it and
/// shows it as <c>lastError</c>:
/// <list type="bullet">
/// <item><c>code</c>: 1 to 100 ASCII letters, digits, <c>.</c>, <c>_</c>, <c>:</c> and <c>-</c> — a machine-readable
/// code such as <c>unauthorized</c>, <c>http_401</c> or <c>dropbox:expired_access_token</c>.</item>
/// <item><c>message</c> (optional): at most 2000 characters of text in any script, on one line: no control characters
/// (C0, DEL, C1, tab included), no line or paragraph separators, no bidirectional controls, no unpaired surrogates.</item>
/// </list>
/// </summary>
public static partial class ErrorReports
{
    public const int MaxMessageLength = 2000;

    /// <summary>Validation errors keyed by field (camelCase); empty when the report is acceptable.</summary>
    public static Dictionary<string, string[]> Validate(ErrorReport report)
    {
        var errors = new Dictionary<string, string[]>();
        if (report.Code is null || !Code().IsMatch(report.Code))
        {
            errors["code"] = ["A code of 1 to 100 characters is required: ASCII letters, digits, '.', '_', ':' and '-'."];
        }

        if (report.Message is { } message)
        {
            if (message.Length > MaxMessageLength)
            {
                errors["message"] = [$"The message is at most {MaxMessageLength} characters."];
            }
            else if (!IsOneLineOfText(message))
            {
                errors["message"] = ["The message may not contain control characters, line breaks, bidirectional controls or unpaired surrogates."];
            }
        }

        return errors;
    }

    private static bool IsOneLineOfText(string message)
    {
        var rest = message.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done
                || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || IsBidiControl(rune.Value))
            {
                return false;
            }

            rest = rest[consumed..];
        }

        return true;
    }

    // They reorder what a reader sees (the "Trojan Source" trick), so a log line could show something else than it holds.
    private static bool IsBidiControl(int c) => c is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex Code();
}
