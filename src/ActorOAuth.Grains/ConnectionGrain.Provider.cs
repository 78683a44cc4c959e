using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using ActorOAuth.Grains.Integrations;
using ActorOAuth.Grains.Providers;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Grains;

/// <summary>
/// What the connection's provider calls use: the settings an integration resolves to, the order tokens are revoked in,
/// the connection check, and the refresh its reminder runs.
/// </summary>
public sealed partial class ConnectionGrain
{
    /// <summary>
    /// A connection of an integration: registered with it first (so the integration cannot be deleted under it), then
    /// saved with the settings it resolves to now; a save that could not be stored takes the registration back.
    /// </summary>
    private async Task<SaveResult> SaveWithIntegration(ConnectionSettings given, string integration, string callbackUrl, string? attachedBefore)
    {
        var app = await Integration(integration).Attach(ConnectionId);
        var newlyAttached = attachedBefore != integration;
        if (ProviderSettings.Effective(app.Settings, given, out var problem) is not { } effective)
        {
            if (newlyAttached)
            {
                await Detach(integration);
            }

            throw new FieldProblemException("params", problem!);
        }

        bool created;
        try
        {
            created = await Command(c => c.Save(effective with { ClientSecret = null }, callbackUrl, app.IssParameterRequired, given));
        }
        catch when (newlyAttached)
        {
            await Detach(integration);
            throw;
        }

        if (attachedBefore is not null && newlyAttached)
        {
            await Detach(attachedBefore);
        }

        return new SaveResult(View(), created);
    }

    public Task<ConnectionCheck> Check() => Published(Checked());

    private async Task<ConnectionCheck> Checked()
    {
        EnsureExists();
        var tokens = Domain().EnsureTokens();
        var settings = await CurrentSettings();
        if (string.IsNullOrEmpty(settings.UserInfoUrl))
        {
            throw new ConnectionProblemException(ConnectionProblemKind.Conflict, ProblemCodes.CheckUnavailable,
                "The connection's provider has no identity call to check the token with; give userInfoUrl in its settings.");
        }

        var result = await provider.Check(settings, tokens, CancellationToken.None);
        if (result.Unauthorized && tokens.RefreshToken is not null && !State.RefreshFailedTerminally)
        {
            // The access token may only have expired or been replaced: one refresh, then the same question again.
            await Refresh(forced: true);
            if (State.Tokens is { } refreshed && !ReferenceEquals(refreshed, tokens))
            {
                result = await provider.Check(settings, refreshed, CancellationToken.None);
            }
        }

        if (result.Unauthorized)
        {
            await Command(c => c.CheckFailed(result.Detail));
        }

        return new ConnectionCheck(result.Ok, result.Status, result.Detail);
    }

    /// <summary>
    /// The tokens a disconnect revokes, in order: RFC 7009's refresh token first (so a leaked access token cannot be
    /// renewed in between), or the one token the provider's revocation takes.
    /// </summary>
    private static IEnumerable<(string Token, string Hint)> Revocable(RevocationRules rules, TokenSet tokens)
    {
        var refresh = tokens.RefreshToken is { } refreshToken ? (refreshToken, "refresh_token") : default((string, string)?);
        var access = (tokens.AccessToken, "access_token");
        return rules.Tokens switch
        {
            RevokedTokens.Access => [access],
            RevokedTokens.Refresh => [refresh ?? access],
            _ => refresh is { } both ? [both, access] : [access],
        };
    }

    private IIntegrationUse Integration(string integration) =>
        GrainFactory.GetGrain<IIntegrationUse>(ConnectionKeys.For(ConnectionKeys.Split(this.GetPrimaryKeyString()).Tenant, integration));

    /// <summary>Best effort: a connection that stops using an integration tells it; a failure leaves the integration counting it (never the reverse).</summary>
    private async Task Detach(string integration)
    {
        try
        {
            await Integration(integration).Detach(ConnectionId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDetachFailed(logger, e, this.GetPrimaryKeyString(), integration);
        }
    }

    /// <summary>
    /// The settings a provider call uses now, client secret included: the connection's own, or for a connection of an
    /// integration what it resolves to with the integration's current app settings (the view shows them from now on;
    /// they are written with the next write). Throws the problem when they cannot be had.
    /// </summary>
    private async Task<ConnectionSettings> CurrentSettings()
    {
        if (State.Given is not { Integration: { } integration } given)
        {
            return State.Settings;
        }

        var app = await Integration(integration).App();
        var effective = ProviderSettings.Effective(app.Settings, given, out var problem)
            ?? throw Invalid("The integration's URLs no longer fit this connection: " + problem);
        State.Settings = SharedStrings.Share(effective with { ClientSecret = null });
        State.IssParameterRequired = app.IssParameterRequired;
        return effective;
    }

    /// <summary><see cref="CurrentSettings"/> for a provider call that must not throw: a failure is a provider error instead.</summary>
    private async Task<(ConnectionSettings Settings, ProviderError? Error)> TryCurrentSettings()
    {
        try
        {
            return (await CurrentSettings(), null);
        }
        catch (ConnectionProblemException e) when (e.Kind is ConnectionProblemKind.NotFound or ConnectionProblemKind.Invalid)
        {
            return (State.Settings, new ProviderError(e.Code == ProblemCodes.IntegrationNotFound ? "integration_not_found" : "invalid_settings", e.Message, Transient: false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (State.Settings, new ProviderError("integration_unavailable", "The integration's settings could not be read (" + e.GetType().Name + ").", Transient: true));
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Published(Reminded(reminderName, status));

    private async Task Reminded(string reminderName, TickStatus status)
    {
        if (reminderName == ConnectionOutbox.ReminderName)
        {
            await _effects.OutboxTicked();
            return;
        }

        if (reminderName != RefreshScheduler.ReminderName)
        {
            return;
        }

        switch (Domain().ReminderTicked())
        {
            case ReminderPlan.Stop:
                await _effects.Rearm(null);
                break;
            case ReminderPlan.Rearm:
                await _effects.Rearm(State.Refresh.NextAt);
                break;
            case ReminderPlan.Refresh:
                await Refresh(forced: false);
                break;
        }
    }

    /// <summary>One refresh, if the schedule and budget allow a provider call; its outcome is never dropped.</summary>
    private async Task Refresh(bool forced)
    {
        var connection = Domain();
        if (!connection.StartRefresh())
        {
            await _effects.Apply(connection.Events);
            return;
        }

        await _handout.WithdrawAsync();

        var (settings, unavailable) = await TryCurrentSettings();
        var result = unavailable is null
            ? await provider.Refresh(settings, State.Tokens!, CancellationToken.None)
            : new ProviderTokenResult(null, unavailable);
        Action<Connection> outcome = result.Tokens is { } tokens
            ? c => c.RefreshSucceeded(tokens, forced)
            : c => c.RefreshFailed(result.Error!);
        outcome(connection);
        await Keep(connection, outcome);
    }

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Connection {Connection}: telling integration {Integration} it is no longer used failed; it keeps counting it")]
    private static partial void LogDetachFailed(ILogger logger, Exception exception, string connection, string integration);
}
