using System.Text.Json;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Providers;

/// <summary>Reading single values out of a provider's JSON answers, forgiving about how the provider typed them.</summary>
internal static class JsonValues
{
    /// <summary>The string member <paramref name="name"/>; null when absent or not a string.</summary>
    public static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A number of seconds (<c>expires_in</c>) as a number or a numeric string; null when absent.</summary>
    public static long? Seconds(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(value.GetString(), out var n) => n,
            _ => null,
        };
    }

    /// <summary>The string, number or boolean at a dotted path (<c>team.id</c>, <c>0.id</c>), as text; null when absent or unfit to keep.</summary>
    public static string? ValueAt(JsonElement root, string path)
    {
        var current = root;
        foreach (var step in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(step, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(step, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        var value = current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Number => current.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        return ConnectionConfig.IsValue(value) && value!.Length > 0 ? value : null;
    }
}
