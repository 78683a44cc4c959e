using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>
/// The name a customer sees for a connection's provider. The one place the pages ask; the provider catalog, once it
/// exists, answers here (register its implementation in place of <see cref="BuiltInProviderNames"/>).
/// </summary>
public interface IProviderDisplayNames
{
    /// <summary>A human name for the connection's provider: "Slack", "Dropbox"…</summary>
    string NameOf(ConnectionView connection);
}

/// <summary>
/// A small lookup of well-known provider ids; otherwise the provider id as given, or the host of the authorize URL, or
/// the connection id.
/// </summary>
public sealed class BuiltInProviderNames : IProviderDisplayNames
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sandbox"] = "Sandbox", ["google"] = "Google", ["microsoft"] = "Microsoft", ["salesforce"] = "Salesforce",
        ["slack"] = "Slack", ["github"] = "GitHub", ["gitlab"] = "GitLab", ["dropbox"] = "Dropbox", ["box"] = "Box",
        ["quickbooks"] = "QuickBooks", ["xero"] = "Xero", ["hubspot"] = "HubSpot", ["atlassian"] = "Atlassian",
        ["notion"] = "Notion", ["zoom"] = "Zoom", ["asana"] = "Asana", ["linear"] = "Linear", ["shopify"] = "Shopify",
        ["zendesk"] = "Zendesk", ["intercom"] = "Intercom",
    };

    public string NameOf(ConnectionView connection)
    {
        if (connection.Provider is { Length: > 0 } provider)
        {
            return Names.TryGetValue(provider, out var name) ? name : provider;
        }

        return connection.AuthorizeUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : connection.Id;
    }
}
