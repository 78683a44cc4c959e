using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorOAuth.Testing;

/// <summary>What a token response is built from.</summary>
public sealed record TokenAnswer(string AccessToken, string? RefreshToken, bool Refreshing, string? Scope, int Refreshes);

/// <summary>How a provider revokes: the method, the credential, the body and the member carrying the token.</summary>
public sealed record RevocationShape(string Method, string Auth, string Body, string? TokenField = "token");

/// <summary>One provider family as the stand-in plays it.</summary>
public sealed record StandInFamily(string Name)
{
    /// <summary><c>basic</c> or <c>post</c>.</summary>
    public string TokenAuth { get; init; } = "basic";

    /// <summary><c>form</c> or <c>json</c>.</summary>
    public string TokenBody { get; init; } = "form";

    /// <summary><c>rotating</c>, <c>static</c> or <c>none</c>.</summary>
    public string Rotation { get; init; } = "rotating";

    /// <summary>Whether a rotation kills the refresh token presented (Microsoft leaves it valid).</summary>
    public bool RotationRevokesOld { get; init; } = true;

    /// <summary>Errors with HTTP 200 and <c>ok:false</c> (Slack).</summary>
    public bool OkField { get; init; }

    /// <summary>Form-encoded token responses unless the request accepts JSON (GitHub).</summary>
    public bool FormUnlessAcceptJson { get; init; }

    /// <summary>Form-encoded token responses whatever the request accepts.</summary>
    public bool AlwaysForm { get; set; }

    public string DefaultGrant { get; init; } = "refresh_token";

    public string BadCodeError { get; init; } = "invalid_grant";

    public string BadRefreshError { get; init; } = "invalid_grant";

    /// <summary>Every refresh fails (a revoked grant).</summary>
    public bool FailRefreshes { get; set; }

    public string AccessTokenPrefix { get; init; } = "at";

    public Func<TokenAnswer, JsonObject> TokenResponse { get; init; } = t => Standard(t, 3600);

    public Func<StandInRequest, IEnumerable<KeyValuePair<string, string>>> CallbackExtras { get; init; } = _ => [];

    /// <summary>Signs the redirect back (Shopify's hmac).</summary>
    public Func<IReadOnlyDictionary<string, string?>, string, string>? SignCallback { get; init; }

    public RevocationShape Revocation { get; init; } = new("POST", "basic", "form");

    /// <summary>The header the identity call carries the token in, when not <c>Authorization: Bearer</c>.</summary>
    public string? CheckHeader { get; init; }

    public Func<JsonObject> Identity { get; init; } = () => new JsonObject { ["id"] = "user-1" };

    /// <summary>An RFC 6749 §5.1 response.</summary>
    public static JsonObject Standard(TokenAnswer t, int? expiresIn, string? scope = null)
    {
        var json = new JsonObject { ["access_token"] = t.AccessToken, ["token_type"] = "Bearer" };
        if (expiresIn is { } seconds)
        {
            json["expires_in"] = seconds;
        }

        if (t.RefreshToken is not null)
        {
            json["refresh_token"] = t.RefreshToken;
        }

        if ((scope ?? t.Scope) is { } granted)
        {
            json["scope"] = granted;
        }

        return json;
    }
}

/// <summary>The families the stand-in plays, as provider-facts describes them.</summary>
public static class Families
{
    public static readonly StandInFamily Slack = new("slack")
    {
        TokenAuth = "basic",
        OkField = true,
        BadRefreshError = "invalid_refresh_token",
        AccessTokenPrefix = "xoxb",
        TokenResponse = t => new JsonObject
        {
            ["ok"] = true,
            ["access_token"] = t.AccessToken,
            ["token_type"] = "bot",
            ["scope"] = "chat:write,channels:read",
            ["bot_user_id"] = "U0BOT",
            ["app_id"] = "A0APP",
            ["team"] = new JsonObject { ["id"] = "T0TEAM", ["name"] = "Acme" },
            ["enterprise"] = null,
            ["is_enterprise_install"] = false,
            ["authed_user"] = new JsonObject { ["id"] = "U0USER", ["scope"] = "search:read", ["token_type"] = "user" },
            ["refresh_token"] = t.RefreshToken,
            ["expires_in"] = 43200,
        },
        Revocation = new("POST", "bearer", "none", null),
    };

    public static readonly StandInFamily QuickBooks = new("quickbooks")
    {
        TokenAuth = "basic",
        TokenResponse = t => new JsonObject
        {
            ["access_token"] = t.AccessToken, ["refresh_token"] = t.RefreshToken, ["token_type"] = "bearer", ["expires_in"] = 3600,
            ["x_refresh_token_expires_in"] = 8726400,
        },
        CallbackExtras = _ => [KeyValuePair.Create("realmId", "9130355")],
        Revocation = new("POST", "basic", "json"),
    };

    public static readonly StandInFamily Dropbox = new("dropbox")
    {
        TokenAuth = "basic",
        Rotation = "static",
        TokenResponse = t => t.Refreshing
            ? new JsonObject { ["access_token"] = t.AccessToken, ["expires_in"] = 14400, ["token_type"] = "bearer" }
            : new JsonObject
            {
                ["access_token"] = t.AccessToken, ["expires_in"] = 14400, ["token_type"] = "bearer", ["refresh_token"] = t.RefreshToken,
                ["scope"] = "account_info.read files.content.read", ["uid"] = "12345", ["account_id"] = "dbid:AAH4f99",
            },
        Revocation = new("POST", "bearer", "none", null),
    };

    public static readonly StandInFamily GitHub = new("github")
    {
        TokenAuth = "post",
        Rotation = "none",
        FormUnlessAcceptJson = true,
        DefaultGrant = "authorization_code",
        BadCodeError = "bad_verification_code",
        AccessTokenPrefix = "gho",
        TokenResponse = t => new JsonObject { ["access_token"] = t.AccessToken, ["scope"] = "repo,gist", ["token_type"] = "bearer" },
        Revocation = new("DELETE", "basic", "json", "access_token"),
    };

    public static readonly StandInFamily Salesforce = new("salesforce")
    {
        TokenAuth = "post",
        Rotation = "static",
        TokenResponse = t => new JsonObject
        {
            ["access_token"] = t.AccessToken,
            ["refresh_token"] = t.Refreshing ? null : t.RefreshToken,
            ["signature"] = "c2lnbmF0dXJl",
            ["scope"] = "api refresh_token",
            ["instance_url"] = t.Refreshes == 0 ? "https://acme.my.salesforce.com" : $"https://acme{t.Refreshes + 1}.my.salesforce.com",
            ["id"] = "https://login.salesforce.com/id/00D000000000001/005000000000001",
            ["token_type"] = "Bearer",
            ["issued_at"] = "1764600000000",
        },
        Revocation = new("POST", "none", "form"),
    };

    public static readonly StandInFamily Notion = new("notion")
    {
        TokenAuth = "basic",
        TokenBody = "json",
        TokenResponse = t => new JsonObject
        {
            ["access_token"] = t.AccessToken, ["token_type"] = "bearer", ["refresh_token"] = t.RefreshToken, ["bot_id"] = "b0t-1", ["workspace_id"] = "w0rkspace-1",
            ["workspace_name"] = "Acme", ["owner"] = new JsonObject { ["type"] = "user" }, ["duplicated_template_id"] = null,
        },
        Revocation = new("POST", "basic", "json"),
    };

    public static readonly StandInFamily Zendesk = new("zendesk")
    {
        TokenAuth = "post",
        TokenResponse = t => Standard(t, 1800, "read"),
        Revocation = new("DELETE", "bearer", "none", null),
    };

    public static readonly StandInFamily Microsoft = new("microsoft")
    {
        TokenAuth = "post",
        RotationRevokesOld = false,
        TokenResponse = t =>
        {
            var json = Standard(t, 3600, "openid offline_access User.Read");
            json["ext_expires_in"] = 3600;
            json["id_token"] = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJjb250b3NvIn0.";
            return json;
        },
    };

    public static readonly StandInFamily Google = new("google")
    {
        TokenAuth = "post",
        Rotation = "static",
        TokenResponse = t => Standard(t, 3599, "openid email"),
        Revocation = new("POST", "none", "form"),
    };

    public static readonly StandInFamily Shopify = new("shopify")
    {
        TokenAuth = "post",
        CallbackExtras = r => [KeyValuePair.Create("shop", r.Labels.FirstOrDefault() + ".myshopify.com"), KeyValuePair.Create("timestamp", "1764600000")],
        SignCallback = (query, secret) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(string.Join('&', query.Where(p => p.Key != "hmac").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value))))),
        TokenResponse = t => Standard(t, 3600, "read_products,write_orders"),
        CheckHeader = "X-Shopify-Access-Token",
    };

    public static readonly StandInFamily DocuSign = new("docusign")
    {
        TokenAuth = "basic",
        TokenResponse = t => Standard(t, 28800, "signature extended"),
        Identity = () => new JsonObject
        {
            ["sub"] = "user-1",
            ["accounts"] = new JsonArray(new JsonObject { ["account_id"] = "acc-123", ["is_default"] = true, ["base_uri"] = "https://demo.docusign.net" }),
        },
    };

    /// <summary>Every family, each the stand-in's first path segment.</summary>
    public static IReadOnlyList<StandInFamily> All => [Slack, QuickBooks, Dropbox, GitHub, Salesforce, Notion, Zendesk, Microsoft, Google, Shopify, DocuSign];

    private static JsonObject Standard(TokenAnswer t, int? expiresIn, string? scope = null) => StandInFamily.Standard(t, expiresIn, scope);
}
