using System.Security.Cryptography;
using System.Text;

namespace ActorOAuth.Grains.Storage;

/// <summary>
/// AES-256-GCM sealing of stored bytes. Layout: <c>[1: format = 1][1: key id length n][n: key id][12: nonce][16: tag][ciphertext]</c>;
/// the header (format and key id) is authenticated as associated data, so a row cannot be relabelled to another key.
/// </summary>
public sealed class StorageCipher(StorageKeyRing keys)
{
    public const byte Format = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public StorageKeyRing Keys => keys;

    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var keyId = Encoding.ASCII.GetBytes(keys.ActiveKeyId);
        var headerSize = 2 + keyId.Length;
        var output = new byte[headerSize + NonceSize + TagSize + plaintext.Length];
        output[0] = Format;
        output[1] = (byte)keyId.Length;
        keyId.CopyTo(output, 2);
        var nonce = output.AsSpan(headerSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys.ActiveKey, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(headerSize + NonceSize + TagSize), output.AsSpan(headerSize + NonceSize, TagSize), output.AsSpan(0, headerSize));
        return output;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedData)
    {
        var keyId = KeyIdOf(sealedData)
            ?? throw new CryptographicException("Stored grain state is not in the ActorOAuth encrypted format; refusing to read it.");
        if (!keys.TryGet(keyId, out var key))
        {
            throw new CryptographicException($"Stored grain state is encrypted with key '{keyId}', which is not configured (known: {string.Join(", ", keys.KeyIds)}).");
        }

        var headerSize = 2 + keyId.Length;
        var plaintext = new byte[sealedData.Length - headerSize - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedData.Slice(headerSize, NonceSize), sealedData[(headerSize + NonceSize + TagSize)..], sealedData.Slice(headerSize + NonceSize, TagSize), plaintext, sealedData[..headerSize]);
        return plaintext;
    }

    /// <summary>The stored bytes sealed again with the active key, or null when they already are.</summary>
    public byte[]? Reseal(ReadOnlySpan<byte> sealedData) =>
        KeyIdOf(sealedData) == keys.ActiveKeyId ? null : Seal(Open(sealedData));

    /// <summary>The id of the key that sealed <paramref name="sealedData"/>, or null when it is not in this format.</summary>
    public static string? KeyIdOf(ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < 2 || sealedData[0] != Format)
        {
            return null;
        }

        var length = sealedData[1];
        return length == 0 || sealedData.Length < 2 + length + NonceSize + TagSize ? null : Encoding.ASCII.GetString(sealedData.Slice(2, length));
    }
}
