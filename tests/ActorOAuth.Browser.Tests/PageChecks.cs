using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace ActorOAuth.Browser.Tests;

/// <summary>What every page must pass: axe-core in the page, and a screenshot kept as a test artifact.</summary>
public static class PageChecks
{
    /// <summary>Runs axe-core in the page; fails on any serious or critical violation, naming the rules and elements.</summary>
    public static async Task NoSeriousAccessibilityViolations(IPage page, string state)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{state}: axe found " + string.Join("; ", serious.Select(v =>
            $"{v.Impact} {v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
        Assert.NotEmpty(result.Passes);
    }

    /// <summary>Saves a full-page screenshot under TestResults/screenshots.</summary>
    public static async Task Screenshot(IPage page, string name)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>Both checks, for one state of a page.</summary>
    public static async Task Check(IPage page, string name)
    {
        await Screenshot(page, name);
        await NoSeriousAccessibilityViolations(page, name);
    }

    /// <summary>The light of a connection's block: its data-status and its words.</summary>
    public static async Task<(string Status, string Words, string Colour)> Light(IPage page, string connectionId)
    {
        var light = page.Locator($"[data-connection=\"{connectionId}\"] [data-status]");
        var status = await light.GetAttributeAsync("data-status");
        var words = await light.InnerTextAsync();
        var colour = await light.Locator(".dot").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        return (status!, words.Trim(), colour);
    }

    public static ILocator Action(IPage page, string connectionId, string action) =>
        page.Locator($"[data-connection=\"{connectionId}\"] [data-action=\"{action}\"]");
}
