using ActorOAuth.Abstractions;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Grains.Integrations;

/// <summary>Everything an integration persists; its client secret lives only here (encrypted at rest like all grain state).</summary>
[GenerateSerializer, Alias("ActorOAuth.IntegrationState")]
public sealed class IntegrationState
{
    [Id(0)] public bool Exists { get; set; }

    /// <summary>The app settings with the catalog entry applied (URLs may keep placeholders) and the secret.</summary>
    [Id(1)] public IntegrationSettings Settings { get; set; } = new();

    /// <summary>The provider advertises RFC 9207 <c>iss</c>, so its connections refuse a callback without it.</summary>
    [Id(2)] public bool IssParameterRequired { get; set; }

    /// <summary>The ids of the connections that use it, in ordinal order: it cannot be deleted while there is one.</summary>
    [Id(3)] public List<string> Connections { get; set; } = [];

    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    [Id(5)] public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>What a connection of the integration uses at each provider call: the app settings, secret included.</summary>
[GenerateSerializer, Immutable, Alias("ActorOAuth.IntegrationApp")]
public sealed record IntegrationApp([property: Id(0)] ConnectionSettings Settings, [property: Id(1)] bool IssParameterRequired);

/// <summary>
/// An integration's calls from its connections (not part of the API's contract, <see cref="IIntegrationGrain"/>):
/// the app settings with the secret, and the register of who uses it.
/// </summary>
[Alias("ActorOAuth.IIntegrationUse")]
public interface IIntegrationUse : IGrainWithStringKey
{
    /// <summary>Records that the connection uses the integration (once, however often called) and answers its app settings.</summary>
    [Alias("Attach")]
    Task<IntegrationApp> Attach(string connectionId);

    /// <summary>The connection no longer uses it.</summary>
    [Alias("Detach")]
    Task Detach(string connectionId);

    /// <summary>The current app settings, secret included, for a provider call.</summary>
    [Alias("App")]
    Task<IntegrationApp> App();
}

/// <summary>
/// One integration (key <c>{tenant}/{integrationId}</c>): the only holder of its client secret, and the register of
/// its connections. Every call runs in turn, so a delete and a connection attaching never cross: a delete sees every
/// connection that attached before it, and no connection attaches to a deleted integration.
/// </summary>
[GrainType("integration")]
public sealed partial class IntegrationGrain(
    [PersistentState("integration", GrainStorage.Name)] IPersistentState<IntegrationState> storage,
    ProviderClient provider,
    TimeProvider time,
    ILogger<IntegrationGrain> logger) : Grain, IIntegrationGrain, IIntegrationUse
{
    private IntegrationState State => storage.State;

    private string Tenant => ConnectionKeys.Split(this.GetPrimaryKeyString()).Tenant;

    private string IntegrationId => ConnectionKeys.Split(this.GetPrimaryKeyString()).ConnectionId;

    public async Task<IntegrationSaveResult> Save(IntegrationSettings settings)
    {
        var issParameterRequired = false;
        if (settings.Issuer is { } issuer && !Templated(issuer))
        {
            var discovery = await provider.Discover(issuer, CancellationToken.None);
            if (discovery.Metadata is { } metadata)
            {
                settings = settings with
                {
                    AuthorizeUrl = settings.AuthorizeUrl ?? metadata.AuthorizeUrl,
                    TokenUrl = settings.TokenUrl ?? metadata.TokenUrl,
                    RevokeUrl = settings.RevokeUrl ?? metadata.RevokeUrl,
                    UserInfoUrl = settings.UserInfoUrl ?? metadata.UserInfoUrl,
                };
                issParameterRequired = metadata.IssParameterSupported;
            }

            if (settings.AuthorizeUrl is null || settings.TokenUrl is null)
            {
                throw new FieldProblemException("issuer", (discovery.Problem ?? "The issuer's metadata names no authorization or token endpoint.")
                    + " Give authorizeUrl and tokenUrl, or an issuer whose metadata has them.");
            }
        }

        var created = !State.Exists;
        var before = Copy(State);
        State.Settings = settings with { ClientSecret = string.IsNullOrEmpty(settings.ClientSecret) ? State.Settings.ClientSecret : settings.ClientSecret };
        State.IssParameterRequired = issParameterRequired;
        if (created)
        {
            State.Exists = true;
            State.CreatedAt = time.GetUtcNow();
            // Listed from the start: a listing skips an id whose integration was never written.
            await GrainFactory.GetGrain<ITenantIntegrationsGrain>(Tenant).Add(IntegrationId);
        }

        await Write(before);
        if (before.Exists && !string.IsNullOrEmpty(settings.ClientSecret) && settings.ClientSecret != before.Settings.ClientSecret)
        {
            LogSecretRotated(logger, Tenant, IntegrationId, State.Connections.Count);
        }

        return new IntegrationSaveResult(View(), created);
    }

    public Task<IntegrationView> Get()
    {
        EnsureExists();
        return Task.FromResult(View());
    }

    public async Task Delete()
    {
        EnsureExists();
        if (State.Connections.Count > 0)
        {
            var some = string.Join(", ", State.Connections.Take(3)) + (State.Connections.Count > 3 ? ", …" : "");
            throw new ConnectionProblemException(ConnectionProblemKind.Conflict, ProblemCodes.IntegrationInUse,
                $"The integration is used by {State.Connections.Count} connection(s) ({some}); delete them or give them another integration first.");
        }

        try
        {
            await storage.ClearStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Unavailable(e);
        }

        storage.State = new IntegrationState();
        await GrainFactory.GetGrain<ITenantIntegrationsGrain>(Tenant).Remove(IntegrationId);
        DeactivateOnIdle();
    }

    public async Task<IntegrationApp> Attach(string connectionId)
    {
        if (!State.Exists)
        {
            throw new FieldProblemException("integration", $"No integration '{IntegrationId}' in this tenant; create it with PUT /api/integrations/{IntegrationId} first.");
        }

        var at = State.Connections.BinarySearch(connectionId, StringComparer.Ordinal);
        if (at < 0)
        {
            var before = Copy(State);
            State.Connections.Insert(~at, connectionId);
            await Write(before);
        }

        return CurrentApp();
    }

    public async Task Detach(string connectionId)
    {
        var at = State.Connections.BinarySearch(connectionId, StringComparer.Ordinal);
        if (State.Exists && at >= 0)
        {
            var before = Copy(State);
            State.Connections.RemoveAt(at);
            await Write(before);
        }
    }

    public Task<IntegrationApp> App()
    {
        EnsureExists();
        return Task.FromResult(CurrentApp());
    }

    private IntegrationApp CurrentApp() => new(State.Settings.ToConnectionSettings(), State.IssParameterRequired);

    private async Task Write(IntegrationState before)
    {
        try
        {
            State.UpdatedAt = time.GetUtcNow();
            await storage.WriteStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            storage.State = before;
            if (e is Orleans.Storage.InconsistentStateException)
            {
                throw;
            }

            throw Unavailable(e);
        }
    }

    private static IntegrationState Copy(IntegrationState state) => new()
    {
        Exists = state.Exists,
        Settings = state.Settings,
        IssParameterRequired = state.IssParameterRequired,
        Connections = [.. state.Connections],
        CreatedAt = state.CreatedAt,
        UpdatedAt = state.UpdatedAt,
    };

    private static ConnectionProblemException Unavailable(Exception cause) =>
        new(ConnectionProblemKind.Unavailable, ProblemCodes.StorageUnavailable,
            "The change could not be stored and was not made; retry later. (" + cause.GetType().Name + ")", TimeSpan.FromSeconds(5));

    private static bool Templated(string url) => url.Contains('{');

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new ConnectionProblemException(ConnectionProblemKind.NotFound, ProblemCodes.IntegrationNotFound, $"No integration '{IntegrationId}'.");
        }
    }

    private IntegrationView View()
    {
        var s = State.Settings;
        return new IntegrationView
        {
            Id = IntegrationId,
            Provider = s.Provider,
            AuthorizeUrl = s.AuthorizeUrl,
            TokenUrl = s.TokenUrl,
            RevokeUrl = s.RevokeUrl,
            Issuer = s.Issuer,
            ClientId = s.ClientId,
            Scopes = s.Scopes ?? [],
            AuthorizeParams = s.AuthorizeParams ?? new Dictionary<string, string>(),
            TokenAuthMethod = s.TokenAuthMethod ?? TokenAuthMethods.ClientSecretBasic,
            Pkce = s.Pkce != false,
            Hidden = s.Hidden ?? [],
            UserInfoUrl = s.UserInfoUrl,
            RefreshUrl = s.RefreshUrl,
            HasClientSecret = !string.IsNullOrEmpty(s.ClientSecret),
            Connections = State.Connections.Count,
            CreatedAt = State.CreatedAt,
            UpdatedAt = State.UpdatedAt,
        };
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Integration {Tenant}/{Integration}: client secret replaced; {Connections} connection(s) use it from their next provider call")]
    private static partial void LogSecretRotated(ILogger logger, string tenant, string integration, int connections);
}

/// <summary>A tenant's integration ids (key: the tenant), for listing; integrations are few per tenant.</summary>
[GrainType("tenant-integrations")]
public sealed class TenantIntegrationsGrain(
    [PersistentState("integrations", GrainStorage.Name)] IPersistentState<TenantIntegrationsState> storage) : Grain, ITenantIntegrationsGrain
{
    public async Task Add(string integrationId)
    {
        var ids = storage.State.Ids;
        var at = ids.BinarySearch(integrationId, StringComparer.Ordinal);
        if (at < 0)
        {
            ids.Insert(~at, integrationId);
            await Write(() => ids.Remove(integrationId));
        }
    }

    public async Task Remove(string integrationId)
    {
        var ids = storage.State.Ids;
        var at = ids.BinarySearch(integrationId, StringComparer.Ordinal);
        if (at >= 0)
        {
            ids.RemoveAt(at);
            await Write(() => ids.Insert(at, integrationId));
        }
    }

    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>([.. storage.State.Ids]);

    private async Task Write(Action undo)
    {
        try
        {
            await storage.WriteStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException and not Orleans.Storage.InconsistentStateException)
        {
            undo();
            throw new ConnectionProblemException(ConnectionProblemKind.Unavailable, ProblemCodes.StorageUnavailable,
                "The change could not be stored and was not made; retry later. (" + e.GetType().Name + ")", TimeSpan.FromSeconds(5));
        }
    }
}

/// <summary>The ids of a tenant's integrations.</summary>
[GenerateSerializer, Alias("ActorOAuth.TenantIntegrationsState")]
public sealed class TenantIntegrationsState
{
    /// <summary>In ordinal order.</summary>
    [Id(0)] public List<string> Ids { get; set; } = [];
}
