namespace ActorOAuth.Client;

/// <summary>
/// What a tenant registered at a third party, once: the body of <c>PUT /api/integrations/{id}</c>, the app-level
/// fields of <see cref="ConnectionSettings"/>. URL values may keep the catalog entry's placeholders
/// (<c>{subdomain}</c>), which each connection fills from its <see cref="ConnectionSettings.Params"/>. Properties left
/// null are not sent; a <see cref="ClientSecret"/> left null keeps the stored one.
/// </summary>
public sealed record IntegrationSettings
{
    /// <summary>A provider catalog id (for example <c>slack</c>); fills the URLs that are not given and the provider's quirks.</summary>
    public string? Provider { get; init; }

    /// <summary>The provider's authorization endpoint.</summary>
    public string? AuthorizeUrl { get; init; }

    /// <summary>The provider's token endpoint.</summary>
    public string? TokenUrl { get; init; }

    /// <summary>The provider's RFC 7009 revocation endpoint, if it has one.</summary>
    public string? RevokeUrl { get; init; }

    /// <summary>The provider's issuer: enables RFC 9207 <c>iss</c> checks.</summary>
    public string? Issuer { get; init; }

    /// <summary>The client id registered at the provider.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client secret registered at the provider. Write-only: never returned by any read.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>The scopes its connections request, unless a connection gives its own.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Extra parameters of the authorization request (for example <c>access_type=offline</c>).</summary>
    public IReadOnlyDictionary<string, string>? AuthorizeParams { get; init; }

    /// <summary><c>client_secret_basic</c> (the server's default) or <c>client_secret_post</c>.</summary>
    public string? TokenAuthMethod { get; init; }

    /// <summary>PKCE (S256); on unless set to false.</summary>
    public bool? Pkce { get; init; }

    /// <summary>Fields left out of its connections' views (for example <c>clientId</c>, <c>tokenUrl</c>).</summary>
    public IReadOnlyList<string>? Hidden { get; init; }

    /// <summary>The provider's cheap identity call (OIDC userinfo or alike) that a connection check uses.</summary>
    public string? UserInfoUrl { get; init; }

    /// <summary>Where refreshes go when that is not the token endpoint (a catalog entry sets it).</summary>
    public string? RefreshUrl { get; init; }
}

/// <summary>An integration as every read returns it: its settings without the secret, and how many connections use it.</summary>
public sealed record IntegrationView
{
    /// <summary>The integration's id, unique within the tenant.</summary>
    public required string Id { get; init; }

    /// <summary>The provider catalog id, or null for a fully custom app.</summary>
    public string? Provider { get; init; }

    /// <summary>The provider's authorization endpoint (may keep placeholders such as <c>{subdomain}</c>).</summary>
    public string? AuthorizeUrl { get; init; }

    /// <summary>The provider's token endpoint (may keep placeholders).</summary>
    public string? TokenUrl { get; init; }

    /// <summary>The provider's revocation endpoint, if any.</summary>
    public string? RevokeUrl { get; init; }

    /// <summary>The provider's issuer, if configured.</summary>
    public string? Issuer { get; init; }

    /// <summary>The client id registered at the provider.</summary>
    public string? ClientId { get; init; }

    /// <summary>The scopes its connections request, unless a connection gives its own.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Extra parameters of the authorization request.</summary>
    public IReadOnlyDictionary<string, string> AuthorizeParams { get; init; } = new Dictionary<string, string>();

    /// <summary>How ActorOAuth authenticates at the token endpoint.</summary>
    public string? TokenAuthMethod { get; init; }

    /// <summary>Whether authorizations use PKCE.</summary>
    public bool Pkce { get; init; }

    /// <summary>The fields left out of its connections' views.</summary>
    public IReadOnlyList<string> Hidden { get; init; } = [];

    /// <summary>The provider's identity call, if any.</summary>
    public string? UserInfoUrl { get; init; }

    /// <summary>Where refreshes go, when that is not the token endpoint.</summary>
    public string? RefreshUrl { get; init; }

    /// <summary>Whether a client secret is stored (the secret itself is never shown).</summary>
    public bool HasClientSecret { get; init; }

    /// <summary>How many connections use it.</summary>
    public int Connections { get; init; }

    /// <summary>When the integration was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the integration last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The result of a <c>PUT</c>: the integration and whether this call created it (201) or updated it (200).</summary>
public sealed record SavedIntegration(IntegrationView Integration, bool Created);
