namespace ActorOAuth.Abstractions;

/// <summary>
/// One OAuth app a tenant registered at a third party, keyed <c>{tenant}/{integrationId}</c>: its client id and
/// secret (write-only, kept only here) and its provider settings. Every connection of the integration uses them at
/// its next provider call, so rotating the secret is one call. Refusals are thrown as <see cref="ConnectionProblemException"/>.
/// </summary>
[Alias("ActorOAuth.IIntegrationGrain")]
public interface IIntegrationGrain : IGrainWithStringKey
{
    /// <summary>Creates the integration or replaces its settings; a save without a client secret keeps the stored one.</summary>
    [Alias("Save")]
    Task<IntegrationSaveResult> Save(IntegrationSettings settings);

    /// <summary>The integration without its secret; 404 when there is none.</summary>
    [Alias("Get")]
    Task<IntegrationView> Get();

    /// <summary>Forgets the integration; 409 <see cref="ProblemCodes.IntegrationInUse"/> while a connection uses it.</summary>
    [Alias("Delete")]
    Task Delete();
}

/// <summary>The ids of a tenant's integrations, keyed by tenant, for listing.</summary>
[Alias("ActorOAuth.ITenantIntegrationsGrain")]
public interface ITenantIntegrationsGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task Add(string integrationId);

    [Alias("Remove")]
    Task Remove(string integrationId);

    /// <summary>Every id, in ordinal order.</summary>
    [Alias("List")]
    Task<IReadOnlyList<string>> List();
}

/// <summary>
/// What a tenant registered at a third party, once (the <c>PUT /api/integrations/{id}</c> body): the app-level fields
/// of <see cref="ConnectionSettings"/>. URL values may keep the catalog entry's placeholders, which each connection
/// fills from its <c>params</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IntegrationSettings")]
public sealed record IntegrationSettings
{
    /// <summary>A catalog id: fills the URLs and the provider's quirks.</summary>
    [Id(0)] public string? Provider { get; init; }

    [Id(1)] public string? AuthorizeUrl { get; init; }

    [Id(2)] public string? TokenUrl { get; init; }

    [Id(3)] public string? RevokeUrl { get; init; }

    [Id(4)] public string? Issuer { get; init; }

    [Id(5)] public string? ClientId { get; init; }

    /// <summary>Write-only: never returned by any read.</summary>
    [Id(6)] public string? ClientSecret { get; init; }

    [Id(7)] public IReadOnlyList<string>? Scopes { get; init; }

    [Id(8)] public IReadOnlyDictionary<string, string>? AuthorizeParams { get; init; }

    [Id(9)] public string? TokenAuthMethod { get; init; }

    [Id(10)] public bool? Pkce { get; init; }

    /// <summary>Fields left out of its connections' views.</summary>
    [Id(11)] public IReadOnlyList<string>? Hidden { get; init; }

    [Id(12)] public string? UserInfoUrl { get; init; }

    [Id(13)] public string? RefreshUrl { get; init; }

    /// <summary>The same fields as connection settings (no secret dropped here: the grain decides what it keeps).</summary>
    public ConnectionSettings ToConnectionSettings() => new()
    {
        Provider = Provider,
        AuthorizeUrl = AuthorizeUrl,
        TokenUrl = TokenUrl,
        RevokeUrl = RevokeUrl,
        Issuer = Issuer,
        ClientId = ClientId,
        ClientSecret = ClientSecret,
        Scopes = Scopes,
        AuthorizeParams = AuthorizeParams,
        TokenAuthMethod = TokenAuthMethod,
        Pkce = Pkce,
        Hidden = Hidden,
        UserInfoUrl = UserInfoUrl,
        RefreshUrl = RefreshUrl,
    };

    public static IntegrationSettings From(ConnectionSettings settings) => new()
    {
        Provider = settings.Provider,
        AuthorizeUrl = settings.AuthorizeUrl,
        TokenUrl = settings.TokenUrl,
        RevokeUrl = settings.RevokeUrl,
        Issuer = settings.Issuer,
        ClientId = settings.ClientId,
        ClientSecret = settings.ClientSecret,
        Scopes = settings.Scopes,
        AuthorizeParams = settings.AuthorizeParams,
        TokenAuthMethod = settings.TokenAuthMethod,
        Pkce = settings.Pkce,
        Hidden = settings.Hidden,
        UserInfoUrl = settings.UserInfoUrl,
        RefreshUrl = settings.RefreshUrl,
    };
}

/// <summary>An integration as every read shows it: its settings without the secret, and how many connections use it.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IntegrationView")]
public sealed record IntegrationView
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public string? Provider { get; init; }

    [Id(2)] public string? AuthorizeUrl { get; init; }

    [Id(3)] public string? TokenUrl { get; init; }

    [Id(4)] public string? RevokeUrl { get; init; }

    [Id(5)] public string? Issuer { get; init; }

    [Id(6)] public string? ClientId { get; init; }

    [Id(7)] public IReadOnlyList<string> Scopes { get; init; } = [];

    [Id(8)] public IReadOnlyDictionary<string, string> AuthorizeParams { get; init; } = new Dictionary<string, string>();

    [Id(9)] public string? TokenAuthMethod { get; init; }

    [Id(10)] public bool Pkce { get; init; }

    [Id(11)] public IReadOnlyList<string> Hidden { get; init; } = [];

    [Id(12)] public string? UserInfoUrl { get; init; }

    [Id(13)] public string? RefreshUrl { get; init; }

    /// <summary>Whether a client secret is stored (the secret itself is never shown).</summary>
    [Id(14)] public bool HasClientSecret { get; init; }

    /// <summary>How many connections use it.</summary>
    [Id(15)] public int Connections { get; init; }

    [Id(16)] public DateTimeOffset CreatedAt { get; init; }

    [Id(17)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The result of saving an integration: the view and whether it is new.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IntegrationSaveResult")]
public sealed record IntegrationSaveResult([property: Id(0)] IntegrationView Integration, [property: Id(1)] bool Created);

/// <summary>
/// What a connection check found: whether the provider accepted the token, the HTTP status its identity call
/// answered (null when it was not reached) and a sentence about it (never a token).
/// </summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.ConnectionCheck")]
public sealed record ConnectionCheck([property: Id(0)] bool Ok, [property: Id(1)] int? Status, [property: Id(2)] string Detail);
