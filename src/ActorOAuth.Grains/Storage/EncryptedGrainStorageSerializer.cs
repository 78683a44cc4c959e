using Orleans.Storage;

namespace ActorOAuth.Grains.Storage;

/// <summary>
/// A grain storage serializer that serializes with <paramref name="inner"/> and seals the bytes with
/// <see cref="StorageCipher"/>, so a storage provider only ever sees ciphertext.
/// </summary>
public sealed class EncryptedGrainStorageSerializer(IGrainStorageSerializer inner, StorageCipher cipher) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(cipher.Seal(inner.Serialize(input).ToMemory().Span));

    public T? Deserialize<T>(BinaryData input) => inner.Deserialize<T>(new BinaryData(cipher.Open(input.ToMemory().Span)));
}
