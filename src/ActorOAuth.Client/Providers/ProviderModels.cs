namespace ActorOAuth.Client;

/// <summary>
/// One provider of the deployment's catalog (<c>GET /api/providers</c>): its URLs (possibly templates with
/// placeholders such as <c>{subdomain}</c>), how it behaves, and what a connection must give.
/// </summary>
public sealed record ProviderView
{
    /// <summary>The catalog id, the lower-case provider name in one word (<c>slack</c>, <c>google</c> …).</summary>
    public required string Id { get; init; }

    /// <summary>The display name (<c>Slack</c>), as the connect page shows it.</summary>
    public required string Name { get; init; }

    /// <summary>The authorization endpoint (a template when it has placeholders).</summary>
    public string? AuthorizeUrl { get; init; }

    /// <summary>The token endpoint (a template when it has placeholders).</summary>
    public string? TokenUrl { get; init; }

    /// <summary>The revocation endpoint, if the provider has one.</summary>
    public string? RevokeUrl { get; init; }

    /// <summary>The identity call a connection check uses, if any.</summary>
    public string? UserInfoUrl { get; init; }

    /// <summary>The provider's issuer, if it has one.</summary>
    public string? Issuer { get; init; }

    /// <summary>How tokens are revoked: <c>rfc7009</c>, <c>custom</c> or <c>none</c>.</summary>
    public string Revocation { get; init; } = "none";

    /// <summary>What joins scopes in the authorization request (<c>" "</c>, or <c>","</c> for Slack).</summary>
    public string ScopeSeparator { get; init; } = " ";

    /// <summary>How ActorOAuth authenticates at the token endpoint: <c>client_secret_basic</c> or <c>client_secret_post</c>.</summary>
    public string? TokenAuthMethod { get; init; }

    /// <summary>How token requests are encoded: <c>form</c> (RFC 6749) or <c>json</c>.</summary>
    public string? TokenRequestBody { get; init; }

    /// <summary>Whether authorizations use PKCE by default.</summary>
    public bool Pkce { get; init; }

    /// <summary>How the provider treats refresh tokens: <c>rotating</c>, <c>static</c> or <c>none</c>.</summary>
    public string? RefreshTokens { get; init; }

    /// <summary>The access token lifetime assumed when the provider's token response gives none.</summary>
    public int? DefaultTokenLifetimeSeconds { get; init; }

    /// <summary>The placeholders a connection must give in <see cref="ConnectionSettings.Params"/> (<c>subdomain</c>, <c>shop</c> …).</summary>
    public IReadOnlyList<string> Params { get; init; } = [];

    /// <summary>The keys it captures into a connection's <see cref="ConnectionView.Config"/> (besides the params).</summary>
    public IReadOnlyList<string> Config { get; init; } = [];

    /// <summary>The scopes requested when neither the connection nor its integration gives any.</summary>
    public IReadOnlyList<string> DefaultScopes { get; init; } = [];

    /// <summary>Parameters every authorization request of the provider carries.</summary>
    public IReadOnlyDictionary<string, string> AuthorizeParams { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the provider documents its OAuth 2.0 flow.</summary>
    public string? DocsUrl { get; init; }

    /// <summary>False for an entry the operator added by configuration.</summary>
    public bool BuiltIn { get; init; }

    /// <summary>What to know about the provider (registration quirks, limits), in sentences.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
