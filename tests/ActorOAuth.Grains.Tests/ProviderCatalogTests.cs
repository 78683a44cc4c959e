using System.Text.Json;
using ActorOAuth.Grains.Providers;
using Json.Schema;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// The built-in catalog as data: every embedded entry follows <c>provider.schema.json</c>, declares every
/// placeholder its URL templates use, and has only absolute https URLs; all of provider-facts.md is there.
/// </summary>
public sealed class ProviderCatalogTests
{
    /// <summary>One per section of the design notes' provider facts.</summary>
    private static readonly string[] Documented =
    [
        "google", "microsoft", "salesforce", "slack", "github", "gitlab", "bitbucket", "dropbox", "box", "quickbooks", "xero", "hubspot", "atlassian",
        "notion", "zoom", "asana", "linear", "shopify", "zendesk", "intercom", "pipedrive", "airtable", "figma", "discord", "linkedin", "x",
        "docusign", "calendly", "mailchimp", "monday", "okta", "stripe",
    ];

    /// <summary>Read once: the library registers a schema by its <c>$id</c> and refuses a second one.</summary>
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(BuiltInProviders.Schema()));

    public static TheoryData<string> Files() => [.. BuiltInProviders.Files().Keys];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_catalog_file_follows_the_schema(string file)
    {
        var schema = Schema.Value;
        using var document = JsonDocument.Parse(BuiltInProviders.Files()[file]);

        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, file + ": " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}")));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_catalog_entry_reads_and_keeps_the_rules_the_schema_cannot_say(string file)
    {
        var entry = BuiltInProviders.Parse(BuiltInProviders.Files()[file]);

        Assert.Equal(entry.Id + ".json", file);
        Assert.Empty(ProviderEntryRules.Problems(entry));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_url_template_declares_its_placeholders_and_every_url_is_absolute_https(string file)
    {
        var entry = BuiltInProviders.Parse(BuiltInProviders.Files()[file]);
        Assert.NotEmpty(entry.Urls);
        foreach (var (field, url) in entry.Urls.Append(("docsUrl", entry.DocsUrl!)))
        {
            Assert.All(UrlTemplates.Placeholders(url), p => Assert.True(p == UrlTemplates.ClientId || entry.Params.Contains(p), $"{file} {field}: {{{p}}} is not declared"));
            var filled = UrlTemplates.Fill(url, "client", entry.Params.ToDictionary(p => p, _ => "acme"), out var problem);
            Assert.Null(problem);
            Assert.True(Uri.TryCreate(filled, UriKind.Absolute, out var uri), $"{file} {field}: {filled}");
            Assert.Equal("https", uri!.Scheme);
            Assert.Empty(uri.UserInfo);
            Assert.Empty(uri.Fragment);
        }
    }

    [Fact]
    public void The_catalog_holds_every_documented_provider()
    {
        Assert.True(BuiltInProviders.All.Count >= 30, $"{BuiltInProviders.All.Count} entries");
        Assert.Equal(Documented.Order(StringComparer.Ordinal), BuiltInProviders.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_rules_refuse_an_undeclared_placeholder_a_relative_url_and_http()
    {
        var zendesk = BuiltInProviders.Find("zendesk")!;

        Assert.Contains(ProviderEntryRules.Problems(zendesk with { TokenUrl = "https://{tenant}.zendesk.com/oauth/tokens" }), p => p.Contains("{tenant}"));
        Assert.Contains(ProviderEntryRules.Problems(zendesk with { TokenUrl = "/oauth/tokens" }), p => p.Contains("tokenUrl is not an absolute"));
        Assert.Contains(ProviderEntryRules.Problems(zendesk with { TokenUrl = "http://{subdomain}.zendesk.com/oauth/tokens" }), p => p.Contains("tokenUrl is not https"));
        Assert.Contains(ProviderEntryRules.Problems(zendesk with { Params = ["subdomain", "region"] }), p => p.Contains("'region' appears in no URL"));
    }

    [Fact]
    public void The_schema_refuses_an_unknown_member_and_a_plain_http_url()
    {
        var schema = Schema.Value;
        var slack = BuiltInProviders.Files()["slack.json"];

        foreach (var broken in new[] { slack.Replace("\"pkce\": false", "\"pkce\": false, \"surprise\": 1"), slack.Replace("https://slack.com/api/oauth.v2.access", "http://slack.com/api/oauth.v2.access") })
        {
            using var document = JsonDocument.Parse(broken);
            Assert.False(schema.Evaluate(document.RootElement).IsValid);
        }
    }
}
