using ActorOAuth.Abstractions;
using ActorOAuth.Api.Providers;
using ActorOAuth.Grains.Providers;
using ActorOAuth.Grains.Security;

namespace ActorOAuth.Api.Connections;

/// <summary>
/// A connection with settings of its own: the catalog entry named by <c>provider</c> fills what is not given (explicit
/// URLs always win), then the URL templates are filled from the client id and <c>params</c>, and the result is checked.
/// </summary>
public static class ProviderCatalog
{
    /// <summary>The settings to save, or validation errors keyed by field.</summary>
    public static (ConnectionSettings? Settings, Dictionary<string, string[]> Errors) Resolve(ConnectionSettings settings, ProviderDirectory directory, ProviderUrlPolicy urls)
    {
        var errors = new Dictionary<string, string[]>();
        if (!string.IsNullOrEmpty(settings.Provider))
        {
            if (directory.Find(settings.Provider) is not { } entry)
            {
                errors["provider"] = [$"Unknown provider; GET /api/providers lists them ({string.Join(", ", directory.Entries.Keys.Order(StringComparer.Ordinal))}). Omit it and give the URLs for a custom connection."];
                return (null, errors);
            }

            settings = ProviderSettings.ApplyEntry(settings, entry);
        }

        if (ConnectionSettingsValidator.ParamProblems(settings.Params).ToList() is { Count: > 0 } paramProblems)
        {
            errors["params"] = [.. paramProblems];
            return (null, errors);
        }

        if (ProviderSettings.Fill(settings, out var problem) is not { } filled)
        {
            errors["params"] = [problem!];
            return (null, errors);
        }

        return (filled, ConnectionSettingsValidator.Validate(filled, urls));
    }
}
