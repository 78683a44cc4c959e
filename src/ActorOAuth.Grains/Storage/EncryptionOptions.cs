namespace ActorOAuth.Grains.Storage;

/// <summary>
/// The key ring that encrypts grain state at rest (AES-256-GCM). Section <c>ActorOAuth:Encryption</c>.
/// Keys come from configuration (environment variables, a mounted secret) or a key file, never from the
/// database that holds the ciphertext. There are no defaults: a silo without a key does not start.
/// </summary>
public sealed class EncryptionOptions
{
    public const string Section = "ActorOAuth:Encryption";

    /// <summary>
    /// Keys by id: <c>ActorOAuth:Encryption:Keys:{keyId}=&lt;base64 of 32 random bytes&gt;</c>. Key ids are 1–64 of
    /// <c>A-Z a-z 0-9 . _ -</c> and are written next to each ciphertext, so a key id must never be reused for
    /// different key material. Default: none.
    /// </summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The id of the key new writes use. Optional when exactly one key is configured (that one is then
    /// active); required when there are several. Overrides the key file's <c>activeKey</c>. Default: none.
    /// </summary>
    public string? ActiveKey { get; set; }

    /// <summary>
    /// Path of a JSON key file, <c>{ "activeKey": "2025-06", "keys": { "2025-06": "base64…" } }</c>, e.g. a
    /// mounted Kubernetes secret. Its keys are added to <see cref="Keys"/>. Default: none.
    /// </summary>
    public string? KeyFile { get; set; }
}
