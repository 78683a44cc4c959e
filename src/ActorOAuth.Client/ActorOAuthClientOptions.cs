namespace ActorOAuth.Client;

/// <summary>Where the ActorOAuth API is and how to sign in to it. Checked when the first client is created.</summary>
public sealed class ActorOAuthClientOptions
{
    /// <summary>The API's base address, for example <c>https://oauth.example.com</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The tenant's API key, sent as <c>Authorization: Bearer …</c>. Required.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one API call may take. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// How <c>AddConnectionToken</c> handlers keep tokens: a token is reused until <see cref="RefreshBeforeExpiry"/> before
/// its <c>expiresAt</c>, then fetched again (ActorOAuth has usually refreshed it by then).
/// </summary>
public sealed class ConnectionTokenOptions
{
    /// <summary>Fetch a new token this long before the cached one expires. Default 60 seconds.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a token without an expiry is reused. Default 60 seconds.</summary>
    public TimeSpan LifetimeWithoutExpiry { get; set; } = TimeSpan.FromSeconds(60);
}
