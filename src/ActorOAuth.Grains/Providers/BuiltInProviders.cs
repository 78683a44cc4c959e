using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// The built-in catalog: every <c>Providers/Catalog/*.json</c> embedded in this assembly, read once. An entry that
/// breaks <see cref="ProviderEntryRules"/> stops the process at first use (a test reads them all).
/// </summary>
public static class BuiltInProviders
{
    private const string ResourcePrefix = "ActorOAuth.Grains.Providers.Catalog.";

    private static readonly Lazy<FrozenDictionary<string, ProviderEntry>> Entries = new(Load);

    /// <summary>How the catalog files are read: camelCase, unknown and duplicate members refused, comments allowed.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        ReadCommentHandling = JsonCommentHandling.Skip,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Every built-in entry, by id (ordinal).</summary>
    public static IReadOnlyDictionary<string, ProviderEntry> All => Entries.Value;

    /// <summary>The built-in entry with this id, or null.</summary>
    public static ProviderEntry? Find(string? id) => id is not null && Entries.Value.TryGetValue(id, out var entry) ? entry : null;

    /// <summary>How to talk to a connection's provider: its built-in entry, or RFC 6749 as written for any other.</summary>
    public static ProviderEntry Behaviour(string? id) => Find(id) ?? ProviderEntry.Standard;

    /// <summary>The raw JSON of every catalog file, by resource file name, for the schema test.</summary>
    public static IReadOnlyDictionary<string, string> Files()
    {
        var assembly = typeof(BuiltInProviders).Assembly;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            files[name[ResourcePrefix.Length..]] = reader.ReadToEnd();
        }

        return files;
    }

    /// <summary>The JSON schema every catalog file follows.</summary>
    public static string Schema()
    {
        using var stream = typeof(BuiltInProviders).Assembly.GetManifestResourceStream("ActorOAuth.Grains.Providers.provider.schema.json")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Reads one catalog file.</summary>
    public static ProviderEntry Parse(string json) =>
        JsonSerializer.Deserialize<ProviderEntry>(json, Json) ?? throw new JsonException("A catalog file holds null.");

    private static FrozenDictionary<string, ProviderEntry> Load()
    {
        var entries = new Dictionary<string, ProviderEntry>(StringComparer.Ordinal);
        foreach (var (file, json) in Files())
        {
            var entry = Parse(json);
            var problems = ProviderEntryRules.Problems(entry).ToList();
            if (file != entry.Id + ".json")
            {
                problems.Add($"the file is named {file}, not {entry.Id}.json");
            }

            if (problems.Count > 0 || !entries.TryAdd(entry.Id, entry))
            {
                throw new InvalidOperationException($"Catalog entry {file}: {(problems.Count > 0 ? string.Join("; ", problems) : "a duplicate id")}.");
            }
        }

        return entries.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
