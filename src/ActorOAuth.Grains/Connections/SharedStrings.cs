using ActorOAuth.Abstractions;
using CommunityToolkit.HighPerformance.Buffers;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// The settings' strings that many connections of a silo hold alike — a provider's URLs and name, an app's client id,
/// scopes, the callback URL — kept as one instance per value, so a fleet of one integration does not hold them once per
/// connection. The pool is bounded (a value it dropped is simply kept by its connections again). Secrets are never
/// pooled: a client secret stays with its connection and goes with it.
/// </summary>
internal static class SharedStrings
{
    private static readonly StringPool Pool = new(4096);

    public static string? Share(string? value) => value is null ? null : Pool.GetOrAdd(value);

    /// <summary>A state as storage gave it: its settings' strings taken from the pool (nothing a reader sees changes).</summary>
    public static void Share(ConnectionState state)
    {
        if (!state.Exists)
        {
            return;
        }

        state.Settings = Share(state.Settings);
        state.Given = state.Given is null ? null : Share(state.Given);
        state.CallbackUrl = Share(state.CallbackUrl);
    }

    /// <summary>The same settings with their shareable strings taken from the pool (the secret as it was).</summary>
    public static ConnectionSettings Share(ConnectionSettings settings) => settings with
    {
        Provider = Share(settings.Provider),
        AuthorizeUrl = Share(settings.AuthorizeUrl),
        TokenUrl = Share(settings.TokenUrl),
        RevokeUrl = Share(settings.RevokeUrl),
        UserInfoUrl = Share(settings.UserInfoUrl),
        RefreshUrl = Share(settings.RefreshUrl),
        Issuer = Share(settings.Issuer),
        ClientId = Share(settings.ClientId),
        TokenAuthMethod = Share(settings.TokenAuthMethod),
        Integration = Share(settings.Integration),
        Scopes = Share(settings.Scopes),
    };

    private static string[]? Share(IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return null;
        }

        var shared = new string[values.Count];
        for (var i = 0; i < shared.Length; i++)
        {
            shared[i] = Pool.GetOrAdd(values[i]);
        }

        return shared;
    }
}
