using System.Text.Json.Serialization;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.Connections;

/// <summary>The body of <c>POST /api/connections/{id}/authorize</c>.</summary>
public sealed record AuthorizeRequest(string? ReturnUrl);

/// <summary>The URL to send the customer's browser to.</summary>
public sealed record AuthorizeResponse(string AuthorizationUrl, DateTimeOffset ExpiresAt);

/// <summary>The body of <c>POST /api/connections/{id}/token</c>.</summary>
public sealed record TokenRequest(bool ForceRefresh = false);

/// <summary>The access token handed out to an execution.</summary>
/// <param name="Config">The connection's provider data (QuickBooks' <c>realmId</c> …); <c>{}</c> when it has none.</param>
public sealed record TokenResponse(string AccessToken, string TokenType, DateTimeOffset? ExpiresAt, IReadOnlyList<string> Scopes, IReadOnlyDictionary<string, string> Config);

/// <summary>An execution's report of a connection error.</summary>
public sealed record ErrorReport(string Code, string? Message);

/// <summary>A page of connections.</summary>
public sealed record ConnectionListResponse(
    IReadOnlyList<ConnectionView> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

/// <summary>A connection's log, newest first.</summary>
public sealed record LogsResponse(IReadOnlyList<LogEntry> Items);

/// <summary>The URL to register at the third party.</summary>
public sealed record CallbackUrlResponse(string CallbackUrl);
