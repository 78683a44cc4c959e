using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>
/// The API keys this deployment accepts, held only as SHA-256 hashes. A presented key is hashed and
/// compared with every known hash in constant time, so neither timing nor storage reveals a key.
/// </summary>
public sealed class ApiKeyRing
{
    private (byte[] Hash, string Tenant)[] _keys = [];

    public ApiKeyRing(IOptionsMonitor<ActorOAuthOptions> options)
    {
        Load(options.CurrentValue);
        options.OnChange(Load);
    }

    /// <summary>The SHA-256 form of a key, lower-case hex, as <c>ActorOAuth:ApiKeyHashes</c> expects it.</summary>
    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The tenant of <paramref name="key"/>, or null when the key is unknown.</summary>
    public string? TenantOf(string key)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? tenant = null;
        foreach (var (hash, owner) in _keys)
        {
            // No early exit: every comparison runs, whichever key matches.
            if (CryptographicOperations.FixedTimeEquals(hash, presented))
            {
                tenant = owner;
            }
        }

        return tenant;
    }

    private void Load(ActorOAuthOptions options)
    {
        var plain = options.ApiKeys.Where(k => !string.IsNullOrEmpty(k.Value)).Select(k => (SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)), k.Value));
        var hashed = options.ApiKeyHashes.Where(k => !string.IsNullOrEmpty(k.Value) && k.Key.Length == 64)
            .Select(k => (Convert.FromHexString(k.Key), k.Value));
        _keys = [.. plain, .. hashed];
    }
}
