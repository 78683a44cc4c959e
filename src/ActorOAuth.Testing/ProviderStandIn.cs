using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Testing;

/// <summary>
/// A local HTTP stand-in for the real providers of the catalog, answering the way each one's documentation says
/// (provider-facts): its consent redirect (approved at once, so no browser is needed), its token endpoint with its
/// client authentication, body encoding and response shape (Slack's ok:false on 200 and nested tokens, GitHub's form
/// encoding, Salesforce's missing expires_in …), its refresh-token rotation, its revocation shape and its identity call.
/// It checks what it receives as the provider would (a wrong secret, body shape or verifier is refused) and records
/// every request. Routes are <c>/{family}/{kind}/{labels…}</c>, so a templated URL (<c>{subdomain}</c>) lands in
/// the labels. Loopback only. The endpoints' answers are in <c>ProviderStandIn.Endpoints.cs</c>.
/// </summary>
public sealed partial class ProviderStandIn : IAsyncDisposable
{
    public const string ClientId = "standin-client";
    public const string ClientSecret = "standin-secret-one";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StandInRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new();
    private readonly ConcurrentDictionary<string, Grant> _accessTokens = new();
    private readonly ConcurrentQueue<(string Family, string Token)> _issuedAccessTokens = new();
    private readonly ConcurrentDictionary<string, byte> _secrets = new();
    private readonly ConcurrentDictionary<string, JsonObject> _metadata = new();
    private readonly Dictionary<string, StandInFamily> _families = Families.All.ToDictionary(f => f.Name, f => f with { });
    private int _serial;

    private ProviderStandIn(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        _secrets[ClientSecret] = 0;
    }

    /// <summary>This stand-in's own copy of a family, which a test may change (<see cref="StandInFamily.FailRefreshes"/>).</summary>
    public StandInFamily Family(string name) => _families[name];

    /// <summary>A client secret the stand-in will accept later: it counts among the secrets that must not leak.</summary>
    public void AddSecret(string secret) => _secrets[secret] = 0;

    public string BaseUrl { get; }

    /// <summary>The client secret the token endpoints accept now (an app's secret rotated at the provider).</summary>
    public string ExpectedSecret { get; set; } = ClientSecret;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<StandInRequest> Requests => [.. _requests];

    /// <summary>Every token, code and client secret the stand-in issued or was configured with: none may leak.</summary>
    public IReadOnlyCollection<string> Secrets => [.. _secrets.Keys];

    /// <summary>The requests of one family and kind (authorize, token, revoke, check, lookup).</summary>
    public IReadOnlyList<StandInRequest> Of(string family, string kind) => [.. Requests.Where(r => r.Family == family && r.Kind == kind)];

    /// <summary>The URL of a route: <c>{BaseUrl}/{family}/{kind}</c> plus templated label segments.</summary>
    public string Url(string family, string kind, params string[] labels) =>
        $"{BaseUrl}/{family}/{kind}" + string.Concat(labels.Select(l => "/" + l));

    /// <summary>The operator overrides (<c>ActorOAuth:Providers:{id}:{Field}=…</c>) that point a catalog entry at this stand-in.</summary>
    public IEnumerable<string> Overrides(string family, string? label = null, bool revoke = true, bool check = true, string? entryId = null)
    {
        var id = entryId ?? family;
        var tail = label is null ? "" : "/" + label;
        yield return $"--ActorOAuth:Providers:{id}:AuthorizeUrl={Url(family, "authorize")}{tail}";
        yield return $"--ActorOAuth:Providers:{id}:TokenUrl={Url(family, "token")}{tail}";
        if (revoke)
        {
            yield return $"--ActorOAuth:Providers:{id}:RevokeUrl={Url(family, "revoke")}{tail}";
        }

        if (check)
        {
            yield return $"--ActorOAuth:Providers:{id}:UserInfoUrl={Url(family, "check")}{tail}";
        }
    }

    /// <summary>The provider revokes a grant on its side (the customer removed the app): its tokens stop working.</summary>
    public void RevokeAtProvider(string accessToken)
    {
        if (_accessTokens.TryGetValue(accessToken, out var grant))
        {
            grant.Revoked = true;
        }
    }

    /// <summary>The access token issued last for a family.</summary>
    public string LastAccessToken(string family) => _issuedAccessTokens.Last(t => t.Family == family).Token;

    /// <summary>Serves a metadata document at <paramref name="url"/> (an absolute URL on this stand-in).</summary>
    public void ServeMetadata(string url, JsonObject document) => _metadata[new Uri(url).AbsolutePath] = document;

    public static async Task<ProviderStandIn> StartAsync()
    {
        var url = $"http://127.0.0.1:{RunningSandbox.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new ProviderStandIn(app, url);
        app.Map("/{**path}", standIn.Handle);
        await app.StartAsync();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task Handle(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (_metadata.TryGetValue(path, out var document))
        {
            await Json(http, 200, document);
            return;
        }

        var segments = path.Trim('/').Split('/');
        if (segments.Length < 2)
        {
            http.Response.StatusCode = 404;
            return;
        }

        var request = await Record(http, segments[0], segments[1], segments[2..]);
        var family = _families.GetValueOrDefault(request.Family);
        if (family is null)
        {
            http.Response.StatusCode = 404;
            return;
        }

        switch (request.Kind)
        {
            case "authorize":
                Authorize(http, family, request);
                break;
            case "token":
                await Token(http, family, request);
                break;
            case "revoke":
                await Revoke(http, family, request);
                break;
            case "check":
            case "lookup":
                await Check(http, family, request);
                break;
            default:
                http.Response.StatusCode = 404;
                break;
        }
    }

    private async Task<StandInRequest> Record(HttpContext http, string family, string kind, string[] labels)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var contentType = http.Request.ContentType;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var encoding = "none";
        if (body.Length > 0 && contentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            encoding = "json";
            foreach (var (name, value) in JsonNode.Parse(body)!.AsObject())
            {
                fields[name] = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "";
            }
        }
        else if (body.Length > 0 && contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true)
        {
            encoding = "form";
            foreach (var (name, value) in QueryHelpers.ParseQuery("?" + body))
            {
                fields[name] = value.ToString();
            }
        }
        else if (body.Length > 0)
        {
            encoding = "other";
        }

        string? scheme = null, basicUser = null, basicPassword = null, bearer = null;
        if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            var space = authorization.IndexOf(' ');
            scheme = space < 0 ? authorization : authorization[..space];
            var value = space < 0 ? "" : authorization[(space + 1)..];
            if (scheme == "Basic")
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value)).Split(':', 2);
                basicUser = WebUtility.UrlDecode(decoded[0]);
                basicPassword = WebUtility.UrlDecode(decoded.ElementAtOrDefault(1) ?? "");
            }
            else
            {
                bearer = value;
            }
        }

        var request = new StandInRequest(family, kind, [.. labels], http.Request.Method, contentType, encoding, fields,
            http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()), scheme, basicUser, basicPassword, bearer,
            http.Request.Headers.Accept.ToString(), http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        _requests.Enqueue(request);
        return request;
    }
}

/// <summary>One request the stand-in received: what it was, how it authenticated and how its body was encoded.</summary>
public sealed record StandInRequest(
    string Family,
    string Kind,
    IReadOnlyList<string> Labels,
    string Method,
    string? ContentType,
    string Encoding,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlyDictionary<string, string> Query,
    string? Scheme,
    string? BasicUser,
    string? BasicPassword,
    string? Bearer,
    string Accept,
    IReadOnlyDictionary<string, string> Headers);
