using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Connections;

/// <summary>What every read of a connection shows: its state without tokens or secret, and without the hidden fields.</summary>
internal static class ConnectionViews
{
    public static ConnectionView From(string connectionId, ConnectionState state, DateTimeOffset? lastUsedAt)
    {
        var s = state.Settings;
        var hidden = new HashSet<string>(s.Hidden ?? [], StringComparer.OrdinalIgnoreCase);
        string? Show(string field, string? value) => hidden.Contains(field) ? null : value;
        return new ConnectionView
        {
            Id = connectionId,
            Status = state.Status,
            Provider = Show("provider", s.Provider),
            AuthorizeUrl = Show("authorizeUrl", s.AuthorizeUrl),
            TokenUrl = Show("tokenUrl", s.TokenUrl),
            RevokeUrl = Show("revokeUrl", s.RevokeUrl),
            Issuer = Show("issuer", s.Issuer),
            ClientId = Show("clientId", s.ClientId),
            Scopes = hidden.Contains("scopes") ? [] : s.Scopes ?? [],
            GrantedScopes = hidden.Contains("scopes") ? [] : state.Tokens?.GrantedScopes ?? [],
            HasRefreshToken = state.Tokens?.RefreshToken is not null,
            AccessTokenExpiresAt = state.Tokens?.ExpiresAt,
            NextRefreshAt = state.Refresh.NextAt,
            LastRefreshedAt = state.LastRefreshedAt,
            LastUsedAt = lastUsedAt ?? state.LastUsedAt,
            LastError = state.LastError,
            CallbackUrl = state.CallbackUrl,
            Metadata = hidden.Contains("metadata") ? new Dictionary<string, string>() : s.Metadata ?? new Dictionary<string, string>(),
            CreatedAt = state.CreatedAt,
            UpdatedAt = state.UpdatedAt,
            TokenAuthMethod = Show("tokenAuthMethod", s.TokenAuthMethod ?? TokenAuthMethods.ClientSecretBasic),
            Pkce = s.Pkce != false,
            Hidden = s.Hidden ?? [],
            Integration = s.Integration,
            Config = state.Config,
            UserInfoUrl = Show("userInfoUrl", s.UserInfoUrl),
        };
    }
}
