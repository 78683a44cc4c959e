using System.Security.Cryptography;
using System.Text;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>
/// The Standard Webhooks symmetric scheme: a secret is <c>whsec_</c> and the base64 of 32 random bytes; a signature is
/// <c>v1,</c> and the base64 HMAC-SHA256, under the secret's bytes, of <c>{webhook-id}.{webhook-timestamp}.{body}</c>.
/// Several signatures (a rotated secret's overlap) are sent space-separated in one <c>webhook-signature</c> header.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>A fresh secret: 256 random bits.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The <c>v1,…</c> signature of one message under <paramref name="secret"/> (with or without its prefix).</summary>
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    /// <summary>The <c>webhook-signature</c> header value: one signature per secret, space-separated.</summary>
    public static string Header(IEnumerable<string> secrets, string id, long timestamp, string body) =>
        string.Join(' ', secrets.Select(secret => Sign(secret, id, timestamp, body)));
}
