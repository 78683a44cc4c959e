namespace ActorOAuth.Client;

/// <summary>
/// A minted connect session: the link to give one customer's browser (<see cref="Url"/>, <c>/connect/{token}</c>), the
/// session's token (shown once; only its hash is stored, and <c>RevokeAsync</c> takes it) and its expiry. The link is a
/// credential for its connections: hand it to that customer only, and never log it.
/// </summary>
public sealed record ConnectSession(string Token, string Url, DateTimeOffset ExpiresAt)
{
    /// <summary>Leaves the token and the link out, so the record can be logged or shown in a debugger safely.</summary>
    public override string ToString() => $"ConnectSession {{ ExpiresAt = {ExpiresAt:O} }}";
}
