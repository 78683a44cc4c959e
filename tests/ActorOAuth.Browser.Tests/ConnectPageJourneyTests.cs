using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static ActorOAuth.Browser.Tests.PageChecks;

namespace ActorOAuth.Browser.Tests;

/// <summary>The customer's whole journey on the connect page, in Chromium, against the real sandbox provider.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConnectPageJourneyTests(BrowserFixture fixture)
{
    [Fact]
    public Task A_customer_connects_sees_the_lights_change_reads_the_log_disconnects_and_reconnects() =>
        fixture.TracedAsync("connect-journey", async page =>
        {
            using var api = fixture.Client();
            var files = BrowserFixture.NewId("files");
            var drive = BrowserFixture.NewId("drive");
            await fixture.CreateAsync(api, files);
            await fixture.CreateCustomAsync(api, drive);
            var (_, url) = await fixture.MintAsync(api, new { connections = new[] { files, drive }, returnUrl = BrowserFixture.VendorApp + "/settings" });
            var colours = new Dictionary<string, string>();

            // Two blocks, both grey "Not connected", the vendor's name and a way back to its app.
            await page.GotoAsync(url);
            Assert.Equal(2, await page.Locator("[data-connection]").CountAsync());
            Assert.Equal("Sandbox", await page.Locator($"[data-connection=\"{files}\"] h2").InnerTextAsync());
            Assert.Equal("127.0.0.1", await page.Locator($"[data-connection=\"{drive}\"] h2").InnerTextAsync());
            var pending = await Light(page, files);
            Assert.Equal(("pending", "Not connected"), (pending.Status, pending.Words));
            Assert.Equal("Connect", (await Action(page, files, "connect").InnerTextAsync()).Split('\n')[0].Trim());
            Assert.Equal(0, await Action(page, files, "disconnect").CountAsync());
            Assert.Contains(BrowserFixture.BrandName, await page.Locator(".brand").InnerTextAsync());
            Assert.Equal(BrowserFixture.VendorApp + "/settings", await page.Locator("[data-action=return]").GetAttributeAsync("href"));
            Assert.DoesNotContain("Application ID", await page.Locator($"[data-connection=\"{drive}\"]").InnerTextAsync());
            colours["pending"] = pending.Colour;
            await Check(page, "connect-1-pending");

            // Connect: the sandbox's consent page, Approve, and back on the connect page with the yellow light.
            await Action(page, files, "connect").ClickAsync();
            await page.WaitForURLAsync(u => u.StartsWith(fixture.Sandbox.BaseUrl, StringComparison.Ordinal));
            await page.ClickAsync("#approve");
            await page.WaitForURLAsync(u => u.StartsWith(url, StringComparison.Ordinal));
            var configured = await Light(page, files);
            Assert.Equal(("configured", "Connected"), (configured.Status, configured.Words));
            Assert.Equal("pending", (await Light(page, drive)).Status);
            Assert.Equal("Reconnect", (await Action(page, files, "connect").InnerTextAsync()).Split('\n')[0].Trim());
            Assert.Contains("files.read", await page.Locator($"[data-connection=\"{files}\"] .fields").InnerTextAsync());
            colours["configured"] = configured.Colour;
            await Check(page, "connect-2-configured");

            // An execution fetches the token through the API: green.
            var token = await (await api.PostAsync($"/api/connections/{files}/token", null)).Content.ReadFromJsonAsync<JsonElement>();
            var accessToken = token.GetProperty("accessToken").GetString()!;
            await page.ReloadAsync();
            var used = await Light(page, files);
            Assert.Equal(("used", "Connected and in use"), (used.Status, used.Words));
            colours["used"] = used.Colour;
            await Check(page, "connect-3-used");

            // The execution reports an error: red, with its words.
            const string reported = "403 from the Files API: the account is suspended";
            (await api.PostAsJsonAsync($"/api/connections/{files}/errors", new { code = "forbidden", message = reported })).EnsureSuccessStatusCode();
            await page.ReloadAsync();
            var errored = await Light(page, files);
            Assert.Equal(("errored", "Needs attention"), (errored.Status, errored.Words));
            Assert.Contains(reported, await page.Locator($"[data-connection=\"{files}\"] .last-error").InnerTextAsync());
            colours["errored"] = errored.Colour;
            await Check(page, "connect-4-errored");

            // View log: newest first, in words, without the token.
            await Action(page, files, "log").ClickAsync();
            await page.WaitForURLAsync(u => u.Contains("/log", StringComparison.Ordinal));
            var events = await page.Locator("tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.event)");
            Assert.Equal(["error_reported", "used", "token_exchanged", "callback_received", "authorize_started", "created"], events);
            Assert.Equal("Token exchanged", await page.Locator("tr[data-event=token_exchanged] td:nth-child(2)").InnerTextAsync());
            Assert.Contains(reported, await page.Locator("tr[data-event=error_reported]").InnerTextAsync());
            var log = await page.ContentAsync();
            Assert.DoesNotContain(accessToken, log);
            Assert.DoesNotContain(Testing.RunningSandbox.ClientSecret, log);
            await Check(page, "connect-5-log");

            // Disconnect: grey "Disconnected", and the button now reconnects.
            await page.ClickAsync("text=Back to your connections");
            await Action(page, files, "disconnect").ClickAsync();
            await page.WaitForURLAsync(u => u.StartsWith(url, StringComparison.Ordinal));
            var disconnected = await Light(page, files);
            Assert.Equal(("disconnected", "Disconnected"), (disconnected.Status, disconnected.Words));
            Assert.Equal("disconnected", await BrowserFixture.StatusAsync(api, files));
            Assert.False(await fixture.Sandbox.IsActiveAsync(accessToken));
            colours["disconnected"] = disconnected.Colour;
            await Check(page, "connect-6-disconnected");

            // Reconnect: consent again, yellow again.
            await Action(page, files, "connect").ClickAsync();
            await page.ClickAsync("#approve");
            await page.WaitForURLAsync(u => u.StartsWith(url, StringComparison.Ordinal));
            Assert.Equal("configured", (await Light(page, files)).Status);
            Assert.Equal("configured", await BrowserFixture.StatusAsync(api, files));
            await Check(page, "connect-7-reconnected");

            // Each light has its own words, and yellow, green and red their own colours: never colour alone.
            Assert.Equal(4, new[] { colours["configured"], colours["used"], colours["errored"], colours["pending"] }.Distinct().Count());
        });

    [Fact]
    public Task The_live_light_changes_without_a_reload() =>
        fixture.TracedAsync("live-light", async page =>
        {
            using var api = fixture.Client();
            var id = BrowserFixture.NewId();
            await fixture.CreateAsync(api, id);
            var (_, url) = await fixture.MintAsync(api, new { connections = new[] { id } });
            await page.GotoAsync(url);
            await Action(page, id, "connect").ClickAsync();
            await page.ClickAsync("#approve");
            await page.WaitForURLAsync(u => u.StartsWith(url, StringComparison.Ordinal));
            Assert.Equal("configured", (await Light(page, id)).Status);

            (await api.PostAsync($"/api/connections/{id}/token", null)).EnsureSuccessStatusCode();

            await page.Locator($"[data-connection=\"{id}\"] [data-status=used]").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            Assert.Equal("Connected and in use", (await Light(page, id)).Words);
        });
}
