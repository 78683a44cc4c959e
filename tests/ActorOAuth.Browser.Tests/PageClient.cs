using System.Net;
using System.Text.RegularExpressions;

namespace ActorOAuth.Browser.Tests;

/// <summary>A browser-like HTTP client for the pages: keeps cookies, reads the form's anti-forgery token, posts forms.</summary>
public sealed partial class PageClient(string baseUrl) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(baseUrl) };

    /// <summary>The anti-forgery token of the last page read.</summary>
    public string? FormToken { get; private set; }

    public async Task<(HttpResponseMessage Response, string Body)> GetAsync(string path)
    {
        var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (AntiforgeryField().Match(body) is { Success: true } match)
        {
            FormToken = WebUtility.HtmlDecode(match.Groups[1].Value);
        }

        return (response, body);
    }

    /// <summary>
    /// Posts a page's form: with the anti-forgery token read last (or <paramref name="formToken"/>), none when
    /// <paramref name="withToken"/> is false.
    /// </summary>
    public async Task<(HttpResponseMessage Response, string Body)> PostAsync(string path, bool withToken = true, string? formToken = null)
    {
        var value = formToken ?? FormToken;
        var fields = withToken && value is not null ? new[] { KeyValuePair.Create("__antiforgery", value) } : [];
        var response = await _http.PostAsync(path, new FormUrlEncodedContent(fields));
        return (response, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__antiforgery\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
