using System.Text.Json.Serialization;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Providers;

/// <summary>
/// One provider of the built-in catalog, as its JSON file under <c>Providers/Catalog</c> gives it (schema:
/// <c>provider.schema.json</c> beside them): where its endpoints are, and how it deviates from RFC 6749 on the way
/// there. URL values are templates: <c>{clientId}</c> is the client id, every other <c>{name}</c> one of
/// <see cref="Params"/>, given per connection.
/// </summary>
public sealed record ProviderEntry
{
    /// <summary>The schema reference of the JSON file; not used.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>The catalog id: the provider's name in lower case, one word.</summary>
    public required string Id { get; init; }

    /// <summary>The name customers know it by.</summary>
    public required string Name { get; init; }

    public string? DocsUrl { get; init; }

    public string? AuthorizeUrl { get; init; }

    public string? TokenUrl { get; init; }

    /// <summary>Where refreshes go when that is not the token endpoint (Figma). Null: <see cref="TokenUrl"/>.</summary>
    public string? RefreshUrl { get; init; }

    public string? RevokeUrl { get; init; }

    /// <summary>The cheap identity call <c>POST /check</c> makes with the access token (see <see cref="Check"/>).</summary>
    public string? UserInfoUrl { get; init; }

    /// <summary>The issuer; when set, discovery and RFC 9207 <c>iss</c> checks apply.</summary>
    public string? Issuer { get; init; }

    /// <summary>The placeholders a connection must give in <c>params</c> (host labels such as <c>subdomain</c>).</summary>
    public IReadOnlyList<string> Params { get; init; } = [];

    /// <summary>What joins the requested scopes in the authorization request.</summary>
    public string ScopeSeparator { get; init; } = " ";

    /// <summary>Scopes requested when neither the connection nor its integration gives any.</summary>
    public IReadOnlyList<string> DefaultScopes { get; init; } = [];

    /// <summary>Authorization request parameters the provider needs (an integration's own win per name).</summary>
    public IReadOnlyDictionary<string, string> AuthorizeParams { get; init; } = new Dictionary<string, string>();

    /// <summary><c>client_secret_basic</c> or <c>client_secret_post</c> (credentials in the body, form or JSON).</summary>
    public string TokenAuthMethod { get; init; } = TokenAuthMethods.ClientSecretBasic;

    /// <summary>How token requests are encoded: <c>form</c> (RFC 6749) or <c>json</c>.</summary>
    public string TokenRequestBody { get; init; } = TokenBodies.Form;

    /// <summary>Fields added to every token request (code exchange and refresh), e.g. Shopify's <c>expiring=1</c>.</summary>
    public IReadOnlyDictionary<string, string> TokenParams { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether authorizations use PKCE S256 unless the integration or connection says otherwise.</summary>
    public bool Pkce { get; init; } = true;

    /// <summary><c>rotating</c> (each refresh replaces the refresh token), <c>static</c>, or <c>none</c> (no refresh tokens).</summary>
    public string RefreshTokens { get; init; } = RefreshTokenKinds.Static;

    /// <summary>The lifetime assumed for an access token whose response has no <c>expires_in</c>, when a refresh token is held.</summary>
    public int? DefaultTokenLifetimeSeconds { get; init; }

    public TokenResponseRules TokenResponse { get; init; } = new();

    /// <summary>The non-secret values a connection keeps as <c>config</c>, and where each comes from.</summary>
    public IReadOnlyList<ConfigCapture> Config { get; init; } = [];

    public RevocationRules Revocation { get; init; } = new();

    public CheckRules Check { get; init; } = new();

    public CallbackRules Callback { get; init; } = new();

    /// <summary>What is not confirmed from the provider's own documentation, and what was chosen instead.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Every URL template of the entry, by field name.</summary>
    [JsonIgnore]
    public IEnumerable<(string Field, string Url)> Urls =>
        new[] { ("authorizeUrl", AuthorizeUrl), ("tokenUrl", TokenUrl), ("refreshUrl", RefreshUrl), ("revokeUrl", RevokeUrl), ("userInfoUrl", UserInfoUrl), ("issuer", Issuer) }
            .Concat(Config.Where(c => c.Url is not null).Select(c => ("config." + c.Key, c.Url)))
            .Where(u => u.Item2 is not null).Select(u => (u.Item1, u.Item2!));

    /// <summary>
    /// The behaviour of a provider the catalog does not know (a custom connection, an entry the operator added): RFC
    /// 6749 with Basic authentication, form bodies and PKCE, RFC 7009 revocation, an OIDC-style userinfo check.
    /// </summary>
    public static ProviderEntry Standard { get; } = new() { Id = "", Name = "" };
}

/// <summary>How token requests are encoded.</summary>
public static class TokenBodies
{
    public const string Form = "form";
    public const string Json = "json";
}

/// <summary>What a refresh does to the refresh token.</summary>
public static class RefreshTokenKinds
{
    public const string Rotating = "rotating";
    public const string Static = "static";
    public const string None = "none";
}

/// <summary>How to read a successful token response beyond RFC 6749 §5.1.</summary>
public sealed class TokenResponseRules
{
    /// <summary>The member holding the tokens when the top level has no <c>access_token</c> (Slack's <c>authed_user</c>).</summary>
    public string? Nested { get; init; }

    /// <summary>What joins the granted scopes in <c>scope</c>; null: the entry's scope separator.</summary>
    public string? ScopeSeparator { get; init; }

    /// <summary>An <c>"ok": false</c> member means failure whatever the HTTP status (Slack).</summary>
    public bool OkField { get; init; }
}

/// <summary>One value kept in a connection's <c>config</c>.</summary>
public sealed class ConfigCapture
{
    /// <summary>The key in <c>config</c> (camelCase).</summary>
    public required string Key { get; init; }

    /// <summary><c>callback</c> (a query parameter of the redirect back), <c>token</c> (the token response), or <c>lookup</c> (a call with the new token).</summary>
    public required string From { get; init; }

    /// <summary>The query parameter, or the dotted path in the JSON (<c>team.id</c>, <c>0.id</c> for the first element of an array).</summary>
    public required string Path { get; init; }

    /// <summary>
    /// With <c>lookup</c>: the URL (a template) called with the access token after each code exchange; null: the
    /// connection's <c>userInfoUrl</c> (so an operator's override of it applies).
    /// </summary>
    public string? Url { get; init; }
}

/// <summary>Where config values come from.</summary>
public static class ConfigSources
{
    public const string Callback = "callback";
    public const string Token = "token";
    public const string Lookup = "lookup";
}

/// <summary>How a token is revoked at disconnect.</summary>
public sealed class RevocationRules
{
    /// <summary><c>rfc7009</c> (form POST of <c>token</c> and <c>token_type_hint</c>), <c>custom</c> (the fields below), or <c>none</c>.</summary>
    public string Kind { get; init; } = RevocationKinds.Rfc7009;

    /// <summary><c>POST</c> or <c>DELETE</c>.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>
    /// <c>client</c> (as at the token endpoint), <c>basic</c>, <c>post</c> (client id and secret in the body),
    /// <c>bearer</c> (the token being revoked as the credential), <c>secret</c> (the client secret as a bearer token), <c>none</c>.
    /// </summary>
    public string Auth { get; init; } = RevocationAuths.Client;

    /// <summary><c>form</c>, <c>json</c> or <c>none</c>.</summary>
    public string Body { get; init; } = TokenBodies.Form;

    /// <summary>The body member carrying the token; null sends no token in the body.</summary>
    public string? TokenField { get; init; } = "token";

    /// <summary>Whether <c>token_type_hint</c> is sent.</summary>
    public bool TokenTypeHint { get; init; } = true;

    /// <summary><c>both</c> (refresh token, then access token), <c>refresh</c> (one call: revoking it revokes the grant), or <c>access</c>.</summary>
    public string Tokens { get; init; } = RevokedTokens.Both;

    /// <summary>Further body members: templates of <c>{clientId}</c> and <c>{config.key}</c>.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>An <c>"ok": false</c> answer means the revocation failed (Slack).</summary>
    public bool OkField { get; init; }
}

/// <summary>Revocation kinds, as <c>GET /api/providers</c> shows them.</summary>
public static class RevocationKinds
{
    public const string Rfc7009 = "rfc7009";
    public const string Custom = "custom";
    public const string None = "none";
}

/// <summary>How a revocation request authenticates.</summary>
public static class RevocationAuths
{
    public const string Client = "client";
    public const string Basic = "basic";
    public const string Post = "post";
    public const string Bearer = "bearer";
    public const string Secret = "secret";
    public const string None = "none";
}

/// <summary>Which tokens a disconnect revokes.</summary>
public static class RevokedTokens
{
    public const string Both = "both";
    public const string Refresh = "refresh";
    public const string Access = "access";
}

/// <summary>How <c>POST /check</c> asks the provider whether the access token still works.</summary>
public sealed class CheckRules
{
    /// <summary><c>userinfo</c> (a call with the token as credential) or <c>introspection</c> (RFC 7662, client authenticated).</summary>
    public string Kind { get; init; } = CheckKinds.UserInfo;

    public string Method { get; init; } = "GET";

    /// <summary>The header carrying the token; <c>Authorization</c> with <see cref="Scheme"/>, any other header the bare token.</summary>
    public string Header { get; init; } = "Authorization";

    public string Scheme { get; init; } = "Bearer";

    /// <summary>Headers every call needs (Notion's <c>Notion-Version</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>An <c>"ok": false</c> answer is a failure (Slack's <c>auth.test</c>).</summary>
    public bool OkField { get; init; }

    /// <summary>Error codes of a 200 answer that mean the token is refused, like a 401 (Slack's <c>invalid_auth</c>).</summary>
    public IReadOnlyList<string> UnauthorizedErrors { get; init; } = [];
}

/// <summary>Check kinds.</summary>
public static class CheckKinds
{
    public const string UserInfo = "userinfo";
    public const string Introspection = "introspection";
}

/// <summary>What the redirect back to <c>/callback</c> must prove beyond <c>state</c>.</summary>
public sealed class CallbackRules
{
    /// <summary>
    /// <c>shopify</c>: an <c>hmac</c> query parameter, HMAC-SHA256 (hex) under the client secret of every other
    /// parameter sorted by name, joined <c>name=value</c> with <c>&amp;</c>. Null: none.
    /// </summary>
    public string? Hmac { get; init; }

    /// <summary>A query parameter that must equal <see cref="HostTemplate"/> filled in (Shopify's <c>shop</c>).</summary>
    public string? HostParam { get; init; }

    public string? HostTemplate { get; init; }
}
