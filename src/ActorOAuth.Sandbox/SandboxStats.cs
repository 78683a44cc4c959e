namespace ActorOAuth.Sandbox;

/// <summary>
/// Thread-safe counters of the requests that reached the sandbox's token, revocation and
/// introspection endpoints. Registered as a singleton in the sandbox's services.
/// </summary>
public sealed class SandboxStats
{
    private int _tokenRequests;
    private int _authorizationCodeRequests;
    private int _refreshRequests;
    private int _revocationRequests;
    private int _introspectionRequests;

    /// <summary>
    /// All requests that reached the token endpoint, whatever their grant type and outcome.
    /// </summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>
    /// Token requests with <c>grant_type=authorization_code</c>.
    /// </summary>
    public int AuthorizationCodeRequests => Volatile.Read(ref _authorizationCodeRequests);

    /// <summary>
    /// Token requests with <c>grant_type=refresh_token</c>, including rejected ones.
    /// </summary>
    public int RefreshRequests => Volatile.Read(ref _refreshRequests);

    /// <summary>
    /// Requests that reached the revocation endpoint.
    /// </summary>
    public int RevocationRequests => Volatile.Read(ref _revocationRequests);

    /// <summary>
    /// Requests that reached the introspection endpoint.
    /// </summary>
    public int IntrospectionRequests => Volatile.Read(ref _introspectionRequests);

    internal void RecordTokenRequest(string? grantType)
    {
        Interlocked.Increment(ref _tokenRequests);
        switch (grantType)
        {
            case "authorization_code":
                Interlocked.Increment(ref _authorizationCodeRequests);
                break;
            case "refresh_token":
                Interlocked.Increment(ref _refreshRequests);
                break;
        }
    }

    internal void RecordRevocationRequest() => Interlocked.Increment(ref _revocationRequests);

    internal void RecordIntrospectionRequest() => Interlocked.Increment(ref _introspectionRequests);
}
