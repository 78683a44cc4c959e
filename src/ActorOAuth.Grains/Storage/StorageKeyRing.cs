using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorOAuth.Grains.Storage;

/// <summary>The AES-256 keys grain state is encrypted with: every key that may still be read, and the one new writes use.</summary>
public sealed partial class StorageKeyRing
{
    public const int KeySize = 32;

    private readonly Dictionary<string, byte[]> _keys;

    private StorageKeyRing(Dictionary<string, byte[]> keys, string activeKeyId)
    {
        _keys = keys;
        ActiveKeyId = activeKeyId;
    }

    public string ActiveKeyId { get; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Builds the ring from options (and the key file they name); throws <see cref="StorageKeyRingException"/> saying what is wrong.</summary>
    public static StorageKeyRing Load(EncryptionOptions options)
    {
        var encoded = new Dictionary<string, string>(options.Keys, StringComparer.Ordinal);
        var active = options.ActiveKey;
        if (!string.IsNullOrWhiteSpace(options.KeyFile))
        {
            var file = ReadKeyFile(options.KeyFile);
            foreach (var (id, key) in file.Keys ?? [])
            {
                if (encoded.TryGetValue(id, out var other) && other != key)
                {
                    throw new StorageKeyRingException($"Key '{id}' is configured twice with different values (configuration and {options.KeyFile}).");
                }

                encoded[id] = key;
            }

            active = string.IsNullOrWhiteSpace(active) ? file.ActiveKey : active;
        }

        if (encoded.Count == 0)
        {
            throw new StorageKeyRingException(
                "No encryption key is configured, and tokens and client secrets are never stored in plain text. " +
                $"Set {EncryptionOptions.Section}:Keys:<keyId> to the base64 of 32 random bytes (environment variable " +
                "ActorOAuth__Encryption__Keys__<keyId>), or point ActorOAuth:Encryption:KeyFile at a key file. " +
                "`dotnet run --project src/ActorOAuth.Silo -- new-key` prints a fresh key.");
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, value) in encoded)
        {
            if (!KeyId().IsMatch(id))
            {
                throw new StorageKeyRingException($"Encryption key id '{id}' is not valid: use 1-64 of A-Z a-z 0-9 . _ -.");
            }

            keys[id] = Decode(id, value);
        }

        if (string.IsNullOrWhiteSpace(active))
        {
            if (keys.Count > 1)
            {
                throw new StorageKeyRingException($"{keys.Count} encryption keys are configured but none is active: set {EncryptionOptions.Section}:ActiveKey.");
            }

            active = keys.Keys.Single();
        }
        else if (!keys.ContainsKey(active))
        {
            throw new StorageKeyRingException($"The active encryption key '{active}' is not among the configured keys ({string.Join(", ", keys.Keys)}).");
        }

        return new StorageKeyRing(keys, active);
    }

    public byte[] ActiveKey => _keys[ActiveKeyId];

    public bool TryGet(string keyId, out byte[] key) => _keys.TryGetValue(keyId, out key!);

    private static byte[] Decode(string id, string value)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new StorageKeyRingException($"Encryption key '{id}' is not valid base64.");
        }

        return key.Length == KeySize
            ? key
            : throw new StorageKeyRingException($"Encryption key '{id}' has {key.Length} bytes; AES-256 needs exactly {KeySize}.");
    }

    private static KeyFileContent ReadKeyFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new StorageKeyRingException($"The encryption key file '{path}' does not exist.");
        }

        try
        {
            return JsonSerializer.Deserialize<KeyFileContent>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
                ?? throw new StorageKeyRingException($"The encryption key file '{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new StorageKeyRingException($"The encryption key file '{path}' is not valid JSON: {e.Message}");
        }
    }

    private sealed record KeyFileContent(string? ActiveKey, Dictionary<string, string>? Keys);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex KeyId();
}

/// <summary>The encryption keys are missing or unusable.</summary>
public sealed class StorageKeyRingException(string message) : Exception(message);
