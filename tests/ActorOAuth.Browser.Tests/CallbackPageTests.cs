using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Abstractions;
using Microsoft.Playwright;
using static ActorOAuth.Browser.Tests.PageChecks;

namespace ActorOAuth.Browser.Tests;

/// <summary>Each callback page in Chromium: what it says, its way back to the connect page, its headers and axe-core.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CallbackPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Success_without_a_connect_page_says_authorization_completed_successfully()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var page = await fixture.NewPageAsync();

        await page.GotoAsync(await AuthorizationUrl(api, id));
        var callback = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#approve"), r => r.Url.Contains("/callback", StringComparison.Ordinal));

        Assert.Equal(200, callback.Status);
        await Expect(page, "Authorization completed successfully", "close this window");
        Assert.Equal(0, await page.Locator("[data-action=connect-page]").CountAsync());
        var headers = await callback.AllHeadersAsync();
        Assert.Contains("script-src 'self'", headers["content-security-policy"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]);
        Assert.Equal("no-store", headers["cache-control"]);
        await Check(page, "callback-success");
    }

    [Fact]
    public async Task Denied_from_the_connect_page_says_nothing_was_connected_and_leads_back_to_it()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var (_, url) = await fixture.MintAsync(api, new { connections = new[] { id }, returnUrl = BrowserFixture.VendorApp + "/settings" });
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(url);
        await Action(page, id, "connect").ClickAsync();

        var callback = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#deny"), r => r.Url.Contains("/callback", StringComparison.Ordinal));

        Assert.Equal(400, callback.Status);
        await Expect(page, "Access was not granted", "You cancelled at the provider — nothing was connected.", "access_denied");
        Assert.Contains(BrowserFixture.BrandName, await page.Locator(".brand").InnerTextAsync());
        Assert.Equal(BrowserFixture.VendorApp + "/settings", await page.Locator("[data-action=return]").GetAttributeAsync("href"));
        await Check(page, "callback-denied");

        await page.ClickAsync("[data-action=connect-page]");
        Assert.StartsWith(url, page.Url);
        Assert.Equal("pending", (await Light(page, id)).Status);
        Assert.Contains("Access was not granted", await page.Locator($"[data-connection=\"{id}\"] .last-error").InnerTextAsync());
        await Check(page, "connect-after-denied");
    }

    [Fact]
    public async Task A_provider_error_is_told_in_words_with_the_providers_own()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var state = System.Web.HttpUtility.ParseQueryString(new Uri(await AuthorizationUrl(api, id)).Query)["state"]!;
        var page = await fixture.NewPageAsync();

        var response = await page.GotoAsync($"{fixture.BaseUrl}/callback?state={Uri.EscapeDataString(state)}&iss={Uri.EscapeDataString(fixture.Sandbox.BaseUrl + "/")}&error=invalid_scope&error_description=files.write+is+not+offered");

        Assert.Equal(400, response!.Status);
        await Expect(page, "The connection could not be completed", "invalid_scope", "files.write is not offered");
        await Check(page, "callback-provider-error");
        Assert.Equal("errored", await BrowserFixture.StatusAsync(api, id));
    }

    [Fact]
    public async Task A_used_link_gets_the_expired_page()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(await AuthorizationUrl(api, id));
        await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#approve"), r => r.Url.Contains("/callback", StringComparison.Ordinal));
        var used = page.Url;

        var replay = await page.GotoAsync(used);

        Assert.Equal(400, replay!.Status);
        await Expect(page, "This link has expired or was already used", "Authorization links work once");
        await Check(page, "callback-expired");
    }

    [Fact]
    public async Task While_the_tokens_write_is_retried_the_page_says_it_is_being_saved()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(await AuthorizationUrl(api, id));
        var grain = GrainId.Create("connection", ConnectionKeys.For("tenant-a", id));
        fixture.Storage.FailWrites(grain);
        try
        {
            var callback = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#approve"), r => r.Url.Contains("/callback", StringComparison.Ordinal));
            Assert.Equal(202, callback.Status);
            await Expect(page, "Your connection is being saved");
            await Check(page, "callback-saving");
        }
        finally
        {
            fixture.Storage.RestoreWrites(grain);
        }
    }

    [Fact]
    public async Task A_slow_token_endpoint_gets_a_page_that_refreshes_itself_until_the_outcome_is_there()
    {
        using var api = fixture.Client();
        var id = BrowserFixture.NewId();
        await fixture.CreateAsync(api, id, tokenUrl: fixture.SlowProvider.TokenUrl);
        var (_, url) = await fixture.MintAsync(api, new { connections = new[] { id } });
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(url);
        await Action(page, id, "connect").ClickAsync();
        fixture.SlowProvider.Close();
        // The page reloads itself at once; here that reload is answered 204 (the browser stays on the page), so the page
        // can be read and checked while it is on screen. The test follows the reload itself afterwards.
        await page.RouteAsync("**/callback/outcome**", route => route.FulfillAsync(new RouteFulfillOptions { Status = 204 }));
        string refresh;
        try
        {
            var callback = page.RunAndWaitForResponseAsync(() => page.ClickAsync("#approve"), r => r.Url.Contains("/callback", StringComparison.Ordinal));
            await fixture.SlowProvider.Arrived;
            // The callback waits CallbackWait (10 s) of API time for the exchange; the token endpoint still holds.
            fixture.Time.Advance(TimeSpan.FromSeconds(10));
            var working = await callback;

            Assert.Equal(202, working.Status);
            await Expect(page, "Still connecting", "updates by itself");
            refresh = (await page.Locator("meta[http-equiv=refresh]").GetAttributeAsync("content"))!;
            Assert.Matches("^0;url=/callback/outcome\\?ref=[0-9a-f]{64}$", refresh);
            Assert.Contains("Back to your connections", await page.Locator("main").InnerTextAsync());
            await Check(page, "callback-still-working");
        }
        finally
        {
            await page.UnrouteAllAsync();
            fixture.SlowProvider.Open();
        }

        // The exchange finishes in the grain (the connection answers reads again only then: it is busy with the exchange);
        // the reload finds the outcome and goes back to the connect page.
        await page.GotoAsync(fixture.BaseUrl + refresh["0;url=".Length..]);
        Assert.StartsWith(url, page.Url);
        Assert.Equal("configured", (await Light(page, id)).Status);
    }

    private static async Task<string> AuthorizationUrl(HttpClient api, string id)
    {
        var authorize = await api.PostAsJsonAsync($"/api/connections/{id}/authorize", new { });
        authorize.EnsureSuccessStatusCode();
        return (await authorize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
    }

    private static async Task Expect(IPage page, params string[] texts)
    {
        var body = await page.Locator("main").InnerTextAsync();
        foreach (var text in texts)
        {
            Assert.Contains(text, body);
        }

        Assert.Equal(1, await page.Locator("h1").CountAsync());
    }
}
