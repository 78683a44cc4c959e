using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>What every page shares: the tenant's look and the CSP nonce of this response.</summary>
public sealed record PageFrame(Brand Brand, string Nonce);

/// <summary>The connect page: one block per listed connection.</summary>
public sealed record ConnectPageModel(
    PageFrame Frame,
    string SessionPath,
    IReadOnlyList<ConnectionBlock> Connections,
    string? ReturnUrl,
    DateTimeOffset ExpiresAt,
    string FormFieldName,
    string FormToken);

/// <summary>One connection on the connect page; <see cref="View"/> is null when it no longer exists.</summary>
public sealed record ConnectionBlock(string Id, string DisplayName, ConnectionView? View)
{
    /// <summary>The non-hidden fields a customer may read, as label and value.</summary>
    public IEnumerable<(string Label, string Value)> Fields()
    {
        if (View is not { } v)
        {
            yield break;
        }

        if (v.ClientId is { Length: > 0 } clientId)
        {
            yield return ("Application ID", clientId);
        }

        if (v.Scopes.Count > 0)
        {
            yield return ("Permissions asked for", string.Join(", ", v.Scopes));
        }

        if (v.GrantedScopes.Count > 0)
        {
            yield return ("Permissions granted", string.Join(", ", v.GrantedScopes));
        }

        if (v.LastUsedAt is { } used)
        {
            yield return ("Last used", Wording.Time(used));
        }
    }
}

/// <summary>A connection's log as the customer reads it.</summary>
public sealed record LogPageModel(PageFrame Frame, string SessionPath, ConnectionBlock Connection, IReadOnlyList<LogEntry> Entries);

/// <summary>
/// A page that says what happened and what to do next: the callback's outcomes, an expired link, a refused action.
/// </summary>
public sealed record MessagePageModel(PageFrame Frame, string Title, string WhatHappened, string WhatNext)
{
    /// <summary>The provider's own words (error code and description), shown as they came, encoded.</summary>
    public string? ProviderSaid { get; init; }

    /// <summary>The connect page this attempt came from, when it did.</summary>
    public string? ConnectPageUrl { get; init; }

    /// <summary>The vendor's application, from the session's <c>returnUrl</c>.</summary>
    public string? ReturnUrl { get; init; }

    /// <summary>Set on a page that reloads itself at once (meta refresh, no script) to this URL.</summary>
    public string? RefreshUrl { get; init; }

    /// <summary>success, info, warning or error: the page's accent.</summary>
    public string Tone { get; init; } = "info";
}
