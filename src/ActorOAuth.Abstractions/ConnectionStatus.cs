namespace ActorOAuth.Abstractions;

/// <summary>The status light of a connection, as customers see it.</summary>
[GenerateSerializer, Alias("ActorOAuth.ConnectionStatus")]
public enum ConnectionStatus
{
    /// <summary>Settings saved, no tokens yet.</summary>
    Pending = 0,

    /// <summary>Authorization completed and tokens held; not used yet.</summary>
    Configured = 1,

    /// <summary>An execution fetched the token and reported no error since.</summary>
    Used = 2,

    /// <summary>A connection-related error happened.</summary>
    Errored = 3,

    /// <summary>The customer disconnected: tokens deleted, refresh stopped.</summary>
    Disconnected = 4,
}
