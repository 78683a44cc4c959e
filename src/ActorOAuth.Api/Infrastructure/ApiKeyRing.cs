using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>
/// The API keys this deployment accepts, held only as SHA-256 hashes. A presented key is hashed and the
/// hash looked up: a lookup's timing can only reflect the presented key's own hash, which reveals
/// nothing about a stored key, and the cost stays the same however many keys are configured.
/// </summary>
public sealed class ApiKeyRing
{
    private Dictionary<string, string> _tenantsByHash = [];

    public ApiKeyRing(IOptionsMonitor<ActorOAuthOptions> options)
    {
        Load(options.CurrentValue);
        options.OnChange(Load);
    }

    /// <summary>The SHA-256 form of a key, lower-case hex, as <c>ActorOAuth:ApiKeyHashes</c> expects it.</summary>
    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The tenant of <paramref name="key"/>, or null when the key is unknown.</summary>
    public string? TenantOf(string key) => TenantOf(key.AsSpan());

    /// <summary>
    /// The same, without allocating: the key's UTF-8 bytes, their SHA-256 and its hex form are made on the stack (the
    /// bytes cleared after), and the hex form is looked up as a span. Keys longer than 512 characters are unknown.
    /// </summary>
    public string? TenantOf(ReadOnlySpan<char> key)
    {
        if (key.Length > 512)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        CryptographicOperations.ZeroMemory(utf8);
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        return _tenantsByHash.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(hex, out var tenant) ? tenant : null;
    }

    private void Load(ActorOAuthOptions options)
    {
        var plain = options.ApiKeys.Where(k => !string.IsNullOrEmpty(k.Value)).Select(k => KeyValuePair.Create(HashOf(k.Key), k.Value));
        var hashed = options.ApiKeyHashes.Where(k => !string.IsNullOrEmpty(k.Value) && k.Key.Length == 64)
            .Select(k => KeyValuePair.Create(k.Key.ToLowerInvariant(), k.Value));
        _tenantsByHash = new Dictionary<string, string>(plain.Concat(hashed).DistinctBy(k => k.Key), StringComparer.Ordinal);
    }
}
