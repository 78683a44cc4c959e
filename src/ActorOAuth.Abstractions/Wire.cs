namespace ActorOAuth.Abstractions;

/// <summary>The result of saving settings: the view and whether the connection is new.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.SaveResult")]
public sealed record SaveResult([property: Id(0)] ConnectionView Connection, [property: Id(1)] bool Created);

/// <summary>Where to send the customer's browser to consent, and until when the attempt is valid.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.AuthorizationStart")]
public sealed record AuthorizationStart([property: Id(0)] string AuthorizationUrl, [property: Id(1)] DateTimeOffset ExpiresAt);

/// <summary>An access token handed out to an execution.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.AccessTokenResult")]
public sealed record AccessTokenResult(
    [property: Id(0)] string AccessToken,
    [property: Id(1)] string TokenType,
    [property: Id(2)] DateTimeOffset? ExpiresAt,
    [property: Id(3)] IReadOnlyList<string> Scopes)
{
    /// <summary>The connection's <c>config</c> (shared, never copied per hand-out); empty, never null.</summary>
    [Id(4)] public IReadOnlyDictionary<string, string> Config { get; init; } = ConnectionConfig.Empty;
}

/// <summary>The limits of a connection's <c>config</c> and of the callback query parameters it may come from.</summary>
public static class ConnectionConfig
{
    /// <summary>The most entries kept, and the most extra callback query parameters passed on.</summary>
    public const int MaxEntries = 50;

    public const int MaxKeyLength = 100;

    public const int MaxValueLength = 2000;

    /// <summary>The empty config every connection without provider data shares.</summary>
    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>A value fit to keep and show: one line of printable text (no control characters), within the length limit.</summary>
    public static bool IsValue(string? value) => value is { Length: <= MaxValueLength } && !value.Any(char.IsControl);
}

/// <summary>What the browser brought back to <c>/callback</c>: the query parameters that matter.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.CallbackRequest")]
public sealed record CallbackRequest(
    [property: Id(0)] string State,
    [property: Id(1)] string? Code,
    [property: Id(2)] string? Error,
    [property: Id(3)] string? ErrorDescription,
    [property: Id(4)] string? Issuer)
{
    /// <summary>
    /// The other query parameters of the redirect back (QuickBooks' <c>realmId</c>, Shopify's <c>shop</c> and
    /// <c>hmac</c> …), single-valued ones only, bounded by <see cref="ConnectionConfig"/>'s limits; null when none.
    /// </summary>
    [Id(5)] public IReadOnlyDictionary<string, string>? Query { get; init; }
}

/// <summary>How a callback ended; each maps to one page the customer sees.</summary>
[GenerateSerializer, Alias("ActorOAuth.CallbackResult")]
public enum CallbackResult
{
    /// <summary>Tokens exchanged and stored.</summary>
    Succeeded = 0,

    /// <summary>Tokens exchanged; their write has not landed yet and is being retried.</summary>
    Saving = 1,

    /// <summary>The customer declined at the provider (<c>access_denied</c>).</summary>
    Denied = 2,

    /// <summary>The provider redirected back with another error, or without a code.</summary>
    ProviderError = 3,

    /// <summary>The provider's token endpoint refused or failed the code exchange.</summary>
    TokenEndpointFailed = 4,

    /// <summary>The response's <c>iss</c> did not match the connection's issuer (RFC 9207).</summary>
    IssuerMismatch = 5,

    /// <summary>The <c>state</c> is unknown, was already used or has expired; nothing changed.</summary>
    Expired = 6,
}

/// <summary>
/// How a callback ended, for the page the customer sees; <see cref="ConnectionKey"/> names the connection whose attempt
/// it was (null when the <c>state</c> was unknown), so the page can show its tenant's look and the way back.
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.CallbackOutcome")]
public sealed record CallbackOutcome(
    [property: Id(0)] CallbackResult Result,
    [property: Id(1)] string? ErrorCode = null,
    [property: Id(2)] string? ErrorDescription = null,
    [property: Id(3)] string? ReturnUrl = null,
    [property: Id(4)] string? ConnectionKey = null)
{
    public bool Succeeded => Result == CallbackResult.Succeeded;
}

/// <summary>One entry of a connection's log. Never contains a token or secret.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.LogEntry")]
public sealed record LogEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Level,
    [property: Id(2)] string Event,
    [property: Id(3)] string Message);

/// <summary>A page of a tenant's connection ids.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionPage")]
public sealed record ConnectionIdPage([property: Id(0)] IReadOnlyList<string> Ids, [property: Id(1)] string? Next);
