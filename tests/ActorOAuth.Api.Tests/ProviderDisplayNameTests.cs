using ActorOAuth.Abstractions;
using ActorOAuth.Api.ConnectPages;
using ActorOAuth.Api.Providers;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Tests;

/// <summary>The connect page names a connection's provider as the catalog does, operator entries included.</summary>
public sealed class ProviderDisplayNameTests
{
    private static readonly CatalogProviderNames Names = new(new ProviderDirectory(Options.Create(new ActorOAuthOptions
    {
        Providers =
        {
            ["slack"] = new ProviderCatalogEntry { Name = "Slack (EU workspace)" },
            ["inhouse"] = new ProviderCatalogEntry
            {
                Name = "Acme Identity", AuthorizeUrl = "https://id.acme.example/authorize", TokenUrl = "https://id.acme.example/token",
            },
        },
    })));

    [Theory]
    [InlineData("quickbooks", null, "QuickBooks Online")]
    [InlineData("HubSpot", null, "HubSpot")]
    [InlineData("slack", null, "Slack (EU workspace)")]
    [InlineData("inhouse", null, "Acme Identity")]
    [InlineData("unknown-one", null, "unknown-one")]
    [InlineData(null, "https://login.example.org/oauth/authorize", "login.example.org")]
    [InlineData(null, null, "acme-42.files")]
    public void The_name_is_the_catalog_entry_s_then_the_id_then_the_authorize_host_then_the_connection(string? provider, string? authorizeUrl, string expected)
    {
        var connection = new ConnectionView { Id = "acme-42.files", Status = ConnectionStatus.Pending, Provider = provider, AuthorizeUrl = authorizeUrl };

        Assert.Equal(expected, Names.NameOf(connection));
    }
}
