using System.Security.Cryptography;
using System.Text;

namespace ActorOAuth.Abstractions;

/// <summary>One connection as its tenant's index lists it.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IndexEntry")]
public sealed record IndexEntry(
    [property: Id(0)] string ConnectionId,
    [property: Id(1)] ConnectionStatus Status,
    [property: Id(2)] string? Provider,
    [property: Id(3)] string? Integration,
    [property: Id(4)] IReadOnlyList<long> MetadataHashes,
    [property: Id(5)] long Revision)
{
    /// <summary>A metadata pair as the index keeps it: the first 8 bytes of SHA-256 over key, NUL, value.</summary>
    public static long HashMetadata(string key, string value) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(key + "\0" + value)));
}

/// <summary>What a listing asks for; every given part must match.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionFilter")]
public sealed record ConnectionFilter(
    [property: Id(0)] ConnectionStatus? Status = null,
    [property: Id(1)] string? Provider = null,
    [property: Id(2)] string? Integration = null,
    [property: Id(3)] IReadOnlyDictionary<string, string>? Metadata = null);
