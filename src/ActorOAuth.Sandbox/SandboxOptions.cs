namespace ActorOAuth.Sandbox;

/// <summary>
/// Settings of a sandbox OAuth 2.0 authorization server and of the one client it registers.
/// </summary>
public sealed class SandboxOptions
{
    /// <summary>
    /// The address Kestrel listens on. Defaults to <c>http://127.0.0.1:5100</c>; port 0 picks a free port,
    /// readable from the server's <c>IServerAddressesFeature</c> once started.
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:5100";

    /// <summary>
    /// The client identifier of the registered confidential client. Defaults to <c>actoroauth</c>.
    /// </summary>
    public string ClientId { get; set; } = "actoroauth";

    /// <summary>
    /// The secret of the registered client. Defaults to <c>sandbox-secret</c>.
    /// </summary>
    public string ClientSecret { get; set; } = "sandbox-secret";

    /// <summary>
    /// The redirect URIs registered for the client; they must match exactly.
    /// Defaults to <c>http://localhost:5000/callback</c>.
    /// </summary>
    public List<string> RedirectUris { get; set; } = ["http://localhost:5000/callback"];

    /// <summary>
    /// The lifetime of issued access tokens (also the <c>expires_in</c> of token responses). Defaults to one hour.
    /// </summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The lifetime of issued refresh tokens. Defaults to 14 days.
    /// </summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long a refresh token that was already rotated can still be redeemed (for concurrent refreshes).
    /// Defaults to 30 seconds; <see cref="TimeSpan.Zero"/> makes a rotated refresh token fail with
    /// <c>invalid_grant</c> at once (and its reuse revokes the whole token chain).
    /// </summary>
    public TimeSpan? RefreshTokenReuseLeeway { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The scopes the server knows and the client may request.
    /// Defaults to <c>files.read</c>, <c>files.write</c> and <c>offline_access</c>
    /// (the latter is needed to get refresh tokens).
    /// </summary>
    public List<string> Scopes { get; set; } = ["files.read", "files.write", "offline_access"];
}
