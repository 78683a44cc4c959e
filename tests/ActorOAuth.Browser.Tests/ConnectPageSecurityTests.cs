using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static ActorOAuth.Browser.Tests.PageChecks;

namespace ActorOAuth.Browser.Tests;

/// <summary>
/// What a session link can and cannot reach: only its listed connections of its tenant, nothing once expired or
/// revoked, no form without its anti-forgery token; the headers the contract asks for; no key, secret or token on a page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConnectPageSecurityTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Minting_a_session_needs_an_api_key_and_existing_connections_of_the_callers_tenant()
    {
        using var a = fixture.Client();
        using var b = fixture.Client(BrowserFixture.KeyB);
        using var nobody = fixture.Client(null);
        var mine = BrowserFixture.NewId();
        var theirs = BrowserFixture.NewId();
        await fixture.CreateAsync(a, mine);
        await fixture.CreateAsync(b, theirs);

        Assert.Equal(HttpStatusCode.Unauthorized, (await nobody.PostAsJsonAsync("/api/connect-sessions", new { connections = new[] { mine } })).StatusCode);
        var foreign = await a.PostAsJsonAsync("/api/connect-sessions", new { connections = new[] { mine, theirs } });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("connection_not_found", (await foreign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await a.PostAsJsonAsync("/api/connect-sessions", new { connections = Array.Empty<string>() })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.PostAsJsonAsync("/api/connect-sessions", new { connections = new[] { mine }, expiresInSeconds = 86401 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.PostAsJsonAsync("/api/connect-sessions", new { connections = new[] { mine }, returnUrl = "https://evil.example/" })).StatusCode);

        var minted = await a.PostAsJsonAsync("/api/connect-sessions", new { connections = new[] { mine }, expiresInSeconds = 86400 });
        Assert.Equal(HttpStatusCode.Created, minted.StatusCode);
        var body = await minted.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        Assert.True(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=").Length >= 16);
        Assert.Equal($"{fixture.BaseUrl}/connect/{token}", body.GetProperty("url").GetString());
        Assert.Equal(fixture.Time.GetUtcNow().AddDays(1), body.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal("no-store", minted.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_session_reaches_only_its_listed_connections_of_its_own_tenant()
    {
        using var a = fixture.Client();
        using var b = fixture.Client(BrowserFixture.KeyB);
        var listed = BrowserFixture.NewId();
        var unlisted = BrowserFixture.NewId();
        await fixture.CreateAsync(a, listed);
        await fixture.CreateAsync(a, unlisted);
        // Tenant B has a connection with the very id the session lists: the session never reaches it.
        await fixture.CreateAsync(b, listed);
        var (token, _) = await fixture.MintAsync(a, new { connections = new[] { listed } });
        using var page = new PageClient(fixture.BaseUrl);

        var (shown, html) = await page.GetAsync($"/connect/{token}");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains($"data-connection=\"{listed}\"", html);
        Assert.DoesNotContain(unlisted, html);

        foreach (var action in new[] { "connect", "disconnect" })
        {
            var (refused, text) = await page.PostAsync($"/connect/{token}/connections/{unlisted}/{action}");
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
            Assert.Contains("not part of this link", text);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await page.GetAsync($"/connect/{token}/connections/{unlisted}/log")).Response.StatusCode);
        var logsOfUnlisted = await a.GetFromJsonAsync<JsonElement>($"/api/connections/{unlisted}/logs");
        Assert.Equal(["created"], logsOfUnlisted.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event").GetString()));

        // Connect on the listed one starts tenant A's attempt, and only A's.
        var (started, _) = await page.PostAsync($"/connect/{token}/connections/{listed}/connect");
        Assert.Equal(HttpStatusCode.SeeOther, started.StatusCode);
        Assert.StartsWith(fixture.Sandbox.AuthorizeUrl, started.Headers.Location!.ToString());
        Assert.Equal("authorize_started", (await a.GetFromJsonAsync<JsonElement>($"/api/connections/{listed}/logs?limit=1")).GetProperty("items")[0].GetProperty("event").GetString());
        Assert.Equal("created", (await b.GetFromJsonAsync<JsonElement>($"/api/connections/{listed}/logs?limit=1")).GetProperty("items")[0].GetProperty("event").GetString());
    }

    [Fact]
    public async Task A_form_post_without_its_anti_forgery_token_is_refused_and_changes_nothing()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var (token, _) = await fixture.MintAsync(api, new { connections = new[] { id } });
        using var page = new PageClient(fixture.BaseUrl);
        await page.GetAsync($"/connect/{token}");
        using var stranger = new PageClient(fixture.BaseUrl);
        var logsBefore = await api.GetStringAsync($"/api/connections/{id}/logs");

        foreach (var action in new[] { "connect", "disconnect" })
        {
            var (missing, text) = await page.PostAsync($"/connect/{token}/connections/{id}/{action}", withToken: false);
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Null(missing.Headers.Location);
            Assert.Contains("could not be accepted", text);
            // A token from the page but no cookie of that browser (another site posting the form) is refused too.
            var (crossSite, _) = await stranger.PostAsync($"/connect/{token}/connections/{id}/{action}", formToken: page.FormToken);
            Assert.Equal(HttpStatusCode.BadRequest, crossSite.StatusCode);
        }

        Assert.Equal(logsBefore, await api.GetStringAsync($"/api/connections/{id}/logs"));
        Assert.Equal("pending", await BrowserFixture.StatusAsync(api, id));
    }

    [Fact]
    public async Task Expired_and_revoked_sessions_get_the_expired_page_and_refuse_every_action()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var (revoked, _) = await fixture.MintAsync(api, new { connections = new[] { id } });
        var (expiring, _) = await fixture.MintAsync(api, new { connections = new[] { id }, expiresInSeconds = 60 });
        using var page = new PageClient(fixture.BaseUrl);
        await page.GetAsync($"/connect/{revoked}");
        using var other = fixture.Client(BrowserFixture.KeyB);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/connect-sessions/{revoked}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync($"/connect/{revoked}")).Response.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/connect-sessions/{revoked}")).StatusCode);
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        var logsBefore = await api.GetStringAsync($"/api/connections/{id}/logs");

        // Expired: 410 until its reminder forgets it, 404 after.
        foreach (var (token, status) in new[] { (revoked, HttpStatusCode.Gone), (expiring, (HttpStatusCode?)null), (new string('A', 43), HttpStatusCode.NotFound), ("short", HttpStatusCode.NotFound) })
        {
            var (shown, html) = await page.GetAsync($"/connect/{token}");
            Assert.True(status is null ? shown.StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound : shown.StatusCode == status, $"{token}: {shown.StatusCode}");
            Assert.Contains("This link has expired", html);
            Assert.DoesNotContain("data-connection", html);
            foreach (var action in new[] { "connect", "disconnect" })
            {
                var (refused, text) = await page.PostAsync($"/connect/{token}/connections/{id}/{action}");
                Assert.True(refused.StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound, $"{token} {action}: {refused.StatusCode}");
                Assert.Null(refused.Headers.Location);
                Assert.Contains("This link has expired", text);
            }

            Assert.True((await page.GetAsync($"/connect/{token}/connections/{id}/log")).Response.StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound);
        }

        Assert.Equal(logsBefore, await api.GetStringAsync($"/api/connections/{id}/logs"));
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/connect-sessions/{revoked}")).StatusCode);

        var browser = await fixture.NewPageAsync();
        await browser.GotoAsync($"{fixture.BaseUrl}/connect/{revoked}");
        await Check(browser, "expired-link");
    }

    [Fact]
    public async Task Pages_send_a_strict_csp_no_referrer_no_store_and_frame_ancestors_by_tenant()
    {
        using var a = fixture.Client();
        using var embed = fixture.Client(BrowserFixture.KeyEmbed);
        var id = BrowserFixture.NewId();
        var embedded = BrowserFixture.NewId();
        await fixture.CreateAsync(a, id);
        await fixture.CreateAsync(embed, embedded);
        var (token, _) = await fixture.MintAsync(a, new { connections = new[] { id } });
        var (embedToken, _) = await fixture.MintAsync(embed, new { connections = new[] { embedded } });
        using var page = new PageClient(fixture.BaseUrl);

        var (own, html) = await page.GetAsync($"/connect/{token}");
        var csp = own.Headers.GetValues("Content-Security-Policy").Single();
        var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("default-src 'none'", directives["default-src"]);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.DoesNotContain("unsafe", directives["style-src"]);
        Assert.Equal("frame-ancestors 'self'", directives["frame-ancestors"]);
        Assert.Equal("base-uri 'none'", directives["base-uri"]);
        Assert.Contains(fixture.Sandbox.BaseUrl, directives["form-action"]);
        Assert.Equal("SAMEORIGIN", own.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", own.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("no-store", own.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", own.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", html);

        var (framed, _) = await page.GetAsync($"/connect/{embedToken}");
        Assert.Contains($"frame-ancestors 'self' {BrowserFixture.Embedder}", framed.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(framed.Headers.Contains("X-Frame-Options"));

        var (expired, _) = await page.GetAsync($"/connect/{new string('B', 43)}");
        Assert.Contains("frame-ancestors 'self'", expired.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("no-store", expired.Headers.CacheControl?.ToString());
    }

    [Fact]
    public Task The_page_the_log_and_the_callback_hold_no_api_key_secret_or_token() =>
        fixture.TracedAsync("connect-no-secrets", async browser =>
        {
            using var api = fixture.Client();
            var id = BrowserFixture.NewId();
            await fixture.CreateAsync(api, id);
            var (token, url) = await fixture.MintAsync(api, new { connections = new[] { id } });
            var seen = new List<string>();
            browser.Response += async (_, response) =>
            {
                if (response.Url.StartsWith(fixture.BaseUrl, StringComparison.Ordinal) && response.Status == 200)
                {
                    seen.Add(await response.TextAsync());
                }
            };
            await browser.GotoAsync(url);
            await Action(browser, id, "connect").ClickAsync();
            await browser.ClickAsync("#approve");
            await browser.WaitForURLAsync(u => u.StartsWith(url, StringComparison.Ordinal));
            var accessToken = (await (await api.PostAsync($"/api/connections/{id}/token", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
            await browser.ReloadAsync();
            await Action(browser, id, "log").ClickAsync();
            await browser.WaitForURLAsync(u => u.Contains("/log", StringComparison.Ordinal));

            Assert.True(seen.Count >= 3, $"{seen.Count} pages seen");
            foreach (var body in seen)
            {
                Assert.DoesNotContain(BrowserFixture.KeyA, body);
                Assert.DoesNotContain(Testing.RunningSandbox.ClientSecret, body);
                Assert.DoesNotContain(accessToken, body);
                Assert.DoesNotContain("refresh_token", body);
                Assert.DoesNotContain("code_verifier", body);
            }

            var cookies = await browser.Context.CookiesAsync();
            Assert.DoesNotContain(cookies, c => c.Value.Contains(accessToken, StringComparison.Ordinal));
            Assert.Contains(cookies, c => c.Name == "actoroauth-connect" && c.HttpOnly && c.Path == "/callback" && c.Value == token);
        });
}
