using System.Collections.Frozen;
using ActorOAuth.Grains.Providers;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Providers;

/// <summary>
/// The catalog this deployment offers: the built-in entries with the operator's URL overrides
/// (<c>ActorOAuth:Providers:{id}:{Field}</c>), plus the entries the operator adds there. An override changes only URLs
/// and the name; the entry's behaviour (authentication, body shape, revocation shape, what it captures) stays. An
/// added entry is an RFC 6749 provider, with RFC 7009 revocation when it has a <c>RevokeUrl</c>.
/// </summary>
public sealed class ProviderDirectory(IOptions<ActorOAuthOptions> options)
{
    private readonly Lazy<FrozenDictionary<string, ProviderEntry>> _entries = new(() => Build(options.Value.Providers));

    /// <summary>Every entry by id (ids compare without regard to case).</summary>
    public IReadOnlyDictionary<string, ProviderEntry> Entries => _entries.Value;

    public ProviderEntry? Find(string id) => _entries.Value.GetValueOrDefault(id);

    /// <summary>The built-in entries with <paramref name="overrides"/> applied, and the added ones.</summary>
    public static FrozenDictionary<string, ProviderEntry> Build(IReadOnlyDictionary<string, ProviderCatalogEntry> overrides)
    {
        var entries = new Dictionary<string, ProviderEntry>(BuiltInProviders.All, StringComparer.OrdinalIgnoreCase);
        foreach (var (id, configured) in overrides)
        {
            entries[entries.TryGetValue(id, out var builtIn) ? builtIn.Id : id] = Entry(id, configured, builtIn);
        }

        return entries.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>One configured entry: a built-in one with its URLs replaced, or a new RFC 6749 one.</summary>
    public static ProviderEntry Entry(string id, ProviderCatalogEntry configured, ProviderEntry? builtIn)
    {
        if (builtIn is not null)
        {
            return builtIn with
            {
                Name = configured.Name ?? builtIn.Name,
                AuthorizeUrl = configured.AuthorizeUrl ?? builtIn.AuthorizeUrl,
                TokenUrl = configured.TokenUrl ?? builtIn.TokenUrl,
                RefreshUrl = configured.RefreshUrl ?? builtIn.RefreshUrl,
                RevokeUrl = builtIn.Revocation.Kind == RevocationKinds.None ? null : configured.RevokeUrl ?? builtIn.RevokeUrl,
                UserInfoUrl = configured.UserInfoUrl ?? builtIn.UserInfoUrl,
                Issuer = configured.Issuer ?? builtIn.Issuer,
            };
        }

        var added = ProviderEntry.Standard with
        {
            Id = id,
            Name = configured.Name ?? id,
            AuthorizeUrl = configured.AuthorizeUrl,
            TokenUrl = configured.TokenUrl,
            RefreshUrl = configured.RefreshUrl,
            RevokeUrl = configured.RevokeUrl,
            UserInfoUrl = configured.UserInfoUrl,
            Issuer = configured.Issuer,
            Revocation = configured.RevokeUrl is null ? new RevocationRules { Kind = RevocationKinds.None } : new RevocationRules(),
        };
        return added with
        {
            Params = [.. added.Urls.SelectMany(u => UrlTemplates.Placeholders(u.Url)).Where(p => p != UrlTemplates.ClientId).Distinct()],
        };
    }

    /// <summary>What is wrong with the configured entries, by configuration key; empty when they are usable.</summary>
    public static IEnumerable<string> Problems(IReadOnlyDictionary<string, ProviderCatalogEntry> overrides)
    {
        foreach (var (id, configured) in overrides)
        {
            var key = $"{ActorOAuthOptions.Section}:Providers:{id}";
            var builtIn = BuiltInProviders.Find(id.ToLowerInvariant());
            if (!UrlTemplates.IsParamName(id))
            {
                yield return $"{key}: a provider id is a letter, then letters and digits (at most 40).";
                continue;
            }

            if (builtIn is null && (configured.AuthorizeUrl is null || configured.TokenUrl is null) && configured.Issuer is null)
            {
                yield return $"{key}: an added provider needs AuthorizeUrl and TokenUrl, or an Issuer.";
            }

            if (builtIn is not null && builtIn.Revocation.Kind == RevocationKinds.None && configured.RevokeUrl is not null)
            {
                yield return $"{key}:RevokeUrl: {builtIn.Name} has no revocation endpoint; add a provider of your own to revoke somewhere.";
            }

            // Operators may point an entry at a local stand-in (http on loopback); the URL policy still decides at use.
            foreach (var problem in ProviderEntryRules.UrlProblems(Entry(id, configured, builtIn), requireHttps: false))
            {
                yield return $"{key}: {problem}.";
            }
        }
    }
}
