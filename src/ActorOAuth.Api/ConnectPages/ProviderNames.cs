using ActorOAuth.Abstractions;
using ActorOAuth.Api.Providers;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>The name a customer sees for a connection's provider. The one place the pages ask.</summary>
public interface IProviderDisplayNames
{
    /// <summary>A human name for the connection's provider: "Slack", "Dropbox"…</summary>
    string NameOf(ConnectionView connection);
}

/// <summary>
/// The provider catalog's name for the connection's provider (built-in entries, the operator's overrides and own
/// entries); for a provider id the catalog does not know, the id as given; without one, the host of the authorize URL,
/// or the connection id.
/// </summary>
public sealed class CatalogProviderNames(ProviderDirectory directory) : IProviderDisplayNames
{
    public string NameOf(ConnectionView connection)
    {
        if (connection.Provider is { Length: > 0 } provider)
        {
            return directory.Find(provider) is { Name.Length: > 0 } entry ? entry.Name : provider;
        }

        return connection.AuthorizeUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : connection.Id;
    }
}
