using Microsoft.Playwright;

namespace ActorOAuth.Browser.Tests;

/// <summary>The interactive API reference at /docs, in Chromium, offline (Scalar's script is served by the API itself).</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Docs_show_the_operations_of_the_openapi_document()
    {
        var page = await fixture.NewPageAsync();

        await page.GotoAsync(fixture.BaseUrl + "/docs");

        // A summary from the document (this one from the operation transformer).
        await page.GetByRole(AriaRole.Heading, new() { Name = "The callback URL to register at the provider" }).WaitForAsync();
        await PageChecks.Screenshot(page, "docs");
    }
}
