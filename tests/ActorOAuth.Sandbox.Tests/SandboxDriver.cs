using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Sandbox.Tests;

/// <summary>
/// Drives a running sandbox over HTTP the way a browser and an OAuth client would.
/// </summary>
public sealed partial class SandboxDriver(Uri baseAddress, string clientId, string clientSecret, string redirectUri) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = baseAddress,
    };

    public Uri BaseAddress => baseAddress;

    public HttpClient Http => _http;

    public string ClientId => clientId;

    public string ClientSecret => clientSecret;

    public string RedirectUri => redirectUri;

    public string AuthorizeUrl(string scope, string state, string? codeChallenge = null)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = state,
        };

        if (codeChallenge is not null)
        {
            parameters["code_challenge"] = codeChallenge;
            parameters["code_challenge_method"] = "S256";
        }

        return QueryHelpers.AddQueryString("/connect/authorize", parameters);
    }

    public async Task<ConsentForm> GetConsentFormAsync(string authorizeUrl)
    {
        using var response = await _http.GetAsync(authorizeUrl);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {authorizeUrl} gave {(int)response.StatusCode}: {html}");
        return ConsentForm.Parse(html);
    }

    /// <summary>Posts the consent form with the chosen button and returns the redirect's parsed query.</summary>
    public async Task<Dictionary<string, string>> SubmitConsentAsync(ConsentForm form, bool approve)
    {
        var fields = form.HiddenFields.ToList();
        fields.Add(new(approve ? "submit.approve" : "submit.deny", "1"));

        using var response = await _http.PostAsync(form.Action, new FormUrlEncodedContent(fields));
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"consent POST gave {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

        var location = response.Headers.Location!;
        Assert.StartsWith(redirectUri + "?", location.AbsoluteUri, StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(pair => pair.Key, pair => pair.Value.ToString());
    }

    /// <summary>Runs the whole code flow (consent approved) and returns the token response.</summary>
    public async Task<JsonElement> AuthorizeAsync(string scope = "files.read offline_access", bool usePkce = true, bool basicAuth = true)
    {
        var verifier = usePkce ? NewCodeVerifier() : null;
        var form = await GetConsentFormAsync(AuthorizeUrl(scope, "state-1", verifier is null ? null : CodeChallenge(verifier)));
        var redirect = await SubmitConsentAsync(form, approve: true);

        var (status, body) = await RedeemCodeAsync(redirect["code"], verifier, basicAuth);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RedeemCodeAsync(string code, string? codeVerifier, bool basicAuth = true)
    {
        var fields = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
        };

        if (codeVerifier is not null)
        {
            fields["code_verifier"] = codeVerifier;
        }

        return PostAsync("/connect/token", fields, basicAuth);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken, bool basicAuth = true) =>
        PostAsync("/connect/token", new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken }, basicAuth);

    public Task<(HttpStatusCode Status, JsonElement Body)> RevokeAsync(string token, bool basicAuth = true) =>
        PostAsync("/connect/revoke", new() { ["token"] = token }, basicAuth);

    public Task<(HttpStatusCode Status, JsonElement Body)> IntrospectAsync(string token, bool basicAuth = true) =>
        PostAsync("/connect/introspect", new() { ["token"] = token }, basicAuth);

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, Dictionary<string, string> fields, bool basicAuth = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (basicAuth)
        {
            var credentials = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        else
        {
            fields = new(fields) { ["client_id"] = clientId, ["client_secret"] = clientSecret };
        }

        request.Content = new FormUrlEncodedContent(fields);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body);
    }

    public static string NewCodeVerifier() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string CodeChallenge(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>Decodes (without validating) the payload of a JWT.</summary>
    public static JsonElement JwtPayload(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The consent page's form: its action and hidden inputs, HTML-decoded.</summary>
    public sealed partial record ConsentForm(string Html, string Action, IReadOnlyList<KeyValuePair<string, string>> HiddenFields)
    {
        public string? this[string name] => HiddenFields.FirstOrDefault(field => field.Key == name).Value;

        public static ConsentForm Parse(string html)
        {
            var form = FormTag().Match(html);
            Assert.True(form.Success, html);
            Assert.Equal("post", form.Groups["method"].Value);

            var fields = HiddenInput().Matches(html)
                .Select(match => new KeyValuePair<string, string>(
                    WebUtility.HtmlDecode(match.Groups["name"].Value),
                    WebUtility.HtmlDecode(match.Groups["value"].Value)))
                .ToList();

            return new ConsentForm(html, WebUtility.HtmlDecode(form.Groups["action"].Value), fields);
        }

        [GeneratedRegex("<form method=\"(?<method>[^\"]*)\" action=\"(?<action>[^\"]*)\">")]
        private static partial Regex FormTag();

        [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]*)\" value=\"(?<value>[^\"]*)\">")]
        private static partial Regex HiddenInput();
    }
}
