using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Testing;

/// <summary>The stand-in's endpoints: consent, token, revocation and identity check, each in its family's shape.</summary>
public sealed partial class ProviderStandIn
{
    /// <summary>The consent page, approved at once: a 302 back to <c>redirect_uri</c> with a code (and the family's extras).</summary>
    private void Authorize(HttpContext http, StandInFamily family, StandInRequest request)
    {
        var query = request.Query;
        if (query.GetValueOrDefault("client_id") != ClientId || !query.TryGetValue("redirect_uri", out var redirectUri) || query.GetValueOrDefault("response_type") != "code")
        {
            http.Response.StatusCode = 400;
            return;
        }

        var code = Issue("code");
        _codes[code] = new Grant(family.Name, Interlocked.Increment(ref _serial))
        {
            RedirectUri = redirectUri,
            Challenge = query.GetValueOrDefault("code_challenge"),
            Scope = query.GetValueOrDefault("scope"),
        };
        var back = new Dictionary<string, string?> { ["code"] = code, ["state"] = query.GetValueOrDefault("state") };
        foreach (var (name, value) in family.CallbackExtras(request))
        {
            back[name] = value;
        }

        if (family.SignCallback is { } sign)
        {
            back["hmac"] = sign(back!, ExpectedSecret);
        }

        http.Response.Redirect(QueryHelpers.AddQueryString(redirectUri, back));
    }

    private async Task Token(HttpContext http, StandInFamily family, StandInRequest request)
    {
        if (request.Encoding != family.TokenBody)
        {
            await Error(http, family, 400, "invalid_request", $"expected a {family.TokenBody} body, got {request.Encoding}");
            return;
        }

        var (clientId, secret) = family.TokenAuth == "basic"
            ? (request.BasicUser, request.BasicPassword)
            : (request.Fields.GetValueOrDefault("client_id"), request.Fields.GetValueOrDefault("client_secret"));
        if (clientId != ClientId || secret != ExpectedSecret)
        {
            await Error(http, family, 401, "invalid_client", $"client authentication failed (expected {family.TokenAuth})");
            return;
        }

        Grant grant;
        string? presentedRefreshToken = null;
        switch (request.Fields.GetValueOrDefault("grant_type") ?? family.DefaultGrant)
        {
            case "authorization_code":
                if (!_codes.TryRemove(request.Fields.GetValueOrDefault("code") ?? "", out var coded) || coded.RedirectUri != request.Fields.GetValueOrDefault("redirect_uri"))
                {
                    await Error(http, family, 400, family.BadCodeError, "the code is unknown, used, or for another redirect_uri");
                    return;
                }

                if (coded.Challenge is { } challenge && Challenge(request.Fields.GetValueOrDefault("code_verifier")) != challenge)
                {
                    await Error(http, family, 400, "invalid_grant", "PKCE verification failed");
                    return;
                }

                grant = coded;
                break;
            case "refresh_token":
                presentedRefreshToken = request.Fields.GetValueOrDefault("refresh_token") ?? "";
                if (family.Rotation == "none" || !_refreshTokens.TryGetValue(presentedRefreshToken, out var held) || held.Revoked || family.FailRefreshes)
                {
                    await Error(http, family, 400, family.BadRefreshError, "the refresh token is not valid");
                    return;
                }

                grant = held;
                break;
            default:
                await Error(http, family, 400, "unsupported_grant_type", "unsupported grant_type");
                return;
        }

        var accessToken = Issue(family.AccessTokenPrefix);
        _accessTokens[accessToken] = grant;
        _issuedAccessTokens.Enqueue((family.Name, accessToken));
        string? refreshToken = null;
        var refreshing = presentedRefreshToken is not null;
        if (family.Rotation != "none" && (!refreshing || family.Rotation == "rotating"))
        {
            refreshToken = Issue("rt");
            _refreshTokens[refreshToken] = grant;
            if (refreshing && family.RotationRevokesOld)
            {
                _refreshTokens.TryRemove(presentedRefreshToken!, out _);
            }
        }

        grant.Refreshes += refreshing ? 1 : 0;
        var answer = family.TokenResponse(new TokenAnswer(accessToken, refreshToken, refreshing, grant.Scope, grant.Refreshes));
        if (family.AlwaysForm || (family.FormUnlessAcceptJson && !request.Accept.Contains("application/json", StringComparison.Ordinal)))
        {
            var form = string.Join('&', answer.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(
                p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : p.Value?.ToJsonString() ?? "")));
            http.Response.ContentType = "application/x-www-form-urlencoded; charset=utf-8";
            await http.Response.WriteAsync(form);
            return;
        }

        await Json(http, 200, answer);
    }

    private async Task Revoke(HttpContext http, StandInFamily family, StandInRequest request)
    {
        var shape = family.Revocation;
        var token = shape.Auth == "bearer" ? request.Bearer : request.Fields.GetValueOrDefault(shape.TokenField ?? "token");
        var authenticated = shape.Auth switch
        {
            "basic" => request.BasicUser == ClientId && request.BasicPassword == ExpectedSecret,
            "post" => request.Fields.GetValueOrDefault("client_id") == ClientId && request.Fields.GetValueOrDefault("client_secret") == ExpectedSecret,
            "bearer" => request.Bearer is not null,
            _ => request.Scheme is null,
        };
        if (request.Method != shape.Method || request.Encoding != shape.Body || !authenticated || token is null)
        {
            await Error(http, family, 400, "invalid_request", "not this provider's revocation shape");
            return;
        }

        if (_refreshTokens.TryGetValue(token, out var grant) || _accessTokens.TryGetValue(token, out grant))
        {
            grant.Revoked = true;
        }

        if (family.OkField)
        {
            await Json(http, 200, new JsonObject { ["ok"] = true, ["revoked"] = true });
            return;
        }

        http.Response.StatusCode = shape.Method == "DELETE" ? 204 : 200;
    }

    private async Task Check(HttpContext http, StandInFamily family, StandInRequest request)
    {
        var token = family.CheckHeader is { } header ? request.Headers.GetValueOrDefault(header) : request.Bearer;
        var valid = token is not null && _accessTokens.TryGetValue(token, out var grant) && !grant.Revoked;
        if (family.OkField)
        {
            await Json(http, 200, valid ? new JsonObject { ["ok"] = true, ["team_id"] = "T0TEAM", ["user_id"] = "U0BOT" } : new JsonObject { ["ok"] = false, ["error"] = "invalid_auth" });
            return;
        }

        await Json(http, valid ? 200 : 401, valid ? family.Identity() : new JsonObject { ["error"] = "invalid_token" });
    }

    private Task Error(HttpContext http, StandInFamily family, int status, string error, string description) =>
        family.OkField
            ? Json(http, 200, new JsonObject { ["ok"] = false, ["error"] = error })
            : Json(http, status, new JsonObject { ["error"] = error, ["error_description"] = description });

    private static Task Json(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString());
    }

    private string Issue(string prefix)
    {
        var value = prefix + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _secrets[value] = 0;
        return value;
    }

    private static string Challenge(string? verifier) => verifier is null ? ""
        : Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What one consent granted: the family, redirect, PKCE challenge and scope, and whether the provider revoked it.</summary>
    private sealed class Grant(string family, int serial)
    {
        public string Family { get; } = family;

        public int Serial { get; } = serial;

        public string? RedirectUri { get; init; }

        public string? Challenge { get; init; }

        public string? Scope { get; init; }

        public bool Revoked { get; set; }

        public int Refreshes { get; set; }
    }
}
