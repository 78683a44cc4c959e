namespace ActorOAuth.Abstractions;

/// <summary>How to talk to one third-party provider for one connection (the PUT body).</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionSettings")]
public sealed record ConnectionSettings
{
    /// <summary>Optional provider catalog id (informational for custom connections).</summary>
    [Id(0)] public string? Provider { get; init; }

    [Id(1)] public string? AuthorizeUrl { get; init; }

    [Id(2)] public string? TokenUrl { get; init; }

    [Id(3)] public string? RevokeUrl { get; init; }

    /// <summary>The provider's issuer; enables RFC 9207 <c>iss</c> checks.</summary>
    [Id(4)] public string? Issuer { get; init; }

    [Id(5)] public string? ClientId { get; init; }

    /// <summary>Write-only: never returned by any read.</summary>
    [Id(6)] public string? ClientSecret { get; init; }

    [Id(7)] public IReadOnlyList<string>? Scopes { get; init; }

    [Id(8)] public IReadOnlyDictionary<string, string>? AuthorizeParams { get; init; }

    /// <summary><c>client_secret_basic</c> (default) or <c>client_secret_post</c>.</summary>
    [Id(9)] public string? TokenAuthMethod { get; init; }

    /// <summary>PKCE S256; on unless set to <c>false</c>.</summary>
    [Id(10)] public bool? Pkce { get; init; }

    /// <summary>Refresh this often when tokens carry no expiry.</summary>
    [Id(11)] public int? RefreshIntervalSeconds { get; init; }

    /// <summary>Fields left out of every view (for example <c>clientId</c>, <c>tokenUrl</c>).</summary>
    [Id(12)] public IReadOnlyList<string>? Hidden { get; init; }

    [Id(13)] public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>
    /// The integration (the tenant's OAuth app) the connection uses: then it gives only <see cref="Scopes"/>,
    /// <see cref="Params"/> and <see cref="Metadata"/>, and every provider call uses the integration's current
    /// client credentials and URLs.
    /// </summary>
    [Id(14)] public string? Integration { get; init; }

    /// <summary>The values of the provider's URL placeholders (<c>{subdomain}</c> …), each a DNS label or host name; kept in <c>config</c>.</summary>
    [Id(15)] public IReadOnlyDictionary<string, string>? Params { get; init; }

    /// <summary>The provider's cheap identity call (OIDC userinfo or alike), used by <c>POST /check</c>.</summary>
    [Id(16)] public string? UserInfoUrl { get; init; }

    /// <summary>Where refreshes go when that is not the token endpoint (a catalog entry sets it).</summary>
    [Id(17)] public string? RefreshUrl { get; init; }
}

/// <summary>The token endpoint client authentication methods ActorOAuth supports.</summary>
public static class TokenAuthMethods
{
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
}
