using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Telemetry;

/// <summary>
/// The <c>ActorOAuth</c> meter and activity source: refresh and authorization outcomes by provider and error code,
/// token hand-outs, connections by status, webhook deliveries by outcome, provider call latency. The instruments are
/// created once; with no listener (no OpenTelemetry exporter configured) each recording is a flag check.
/// Tag values come from bounded sets (<see cref="TagValues"/>): a provider id or error code a tenant can choose cannot
/// grow the number of series without limit.
/// </summary>
public static class ActorOAuthMetrics
{
    public const string MeterName = "ActorOAuth";

    public const string ActivitySourceName = "ActorOAuth";

    public static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName, "1.0");

    /// <summary>Refreshes by outcome (<c>succeeded</c>, <c>failed</c>), provider, error code and whether the failure was terminal.</summary>
    public static readonly Counter<long> Refreshes = Meter.CreateCounter<long>(
        "actoroauth.refreshes", "{refresh}", "Token refreshes by outcome, provider and error code");

    /// <summary>Authorizations (code exchanges and failed callbacks) by outcome (<c>authorized</c>, <c>failed</c>), provider and error code.</summary>
    public static readonly Counter<long> Authorizations = Meter.CreateCounter<long>(
        "actoroauth.authorizations", "{authorization}", "Authorizations by outcome, provider and error code");

    /// <summary>Access tokens handed out by the API's token endpoint. No tags: it is counted on the hot path.</summary>
    public static readonly Counter<long> TokenHandouts = Meter.CreateCounter<long>(
        "actoroauth.token.handouts", "{token}", "Access tokens handed out by POST /api/connections/{id}/token");

    /// <summary>How long a token hand-out took in the API, grain call included. No tags.</summary>
    public static readonly Histogram<double> TokenHandoutDuration = Meter.CreateHistogram<double>(
        "actoroauth.token.handout.duration", "s", "Time to hand out an access token (API handler, grain call included)");

    /// <summary>Connections active in memory, by status: each silo adds its activations, so the sum is the cluster's.</summary>
    public static readonly UpDownCounter<long> ActiveConnections = Meter.CreateUpDownCounter<long>(
        "actoroauth.connections.active", "{connection}", "Connections active in memory, by status");

    /// <summary>Status changes by the status they left and the one they reached.</summary>
    public static readonly Counter<long> StatusChanges = Meter.CreateCounter<long>(
        "actoroauth.connection.status_changes", "{change}", "Connection status changes by from and to");

    /// <summary>Webhook delivery attempts by outcome: <c>delivered</c>, <c>retrying</c> (failed, tried again later), <c>failed</c> (given up).</summary>
    public static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>(
        "actoroauth.webhook.deliveries", "{attempt}", "Webhook delivery attempts by outcome");

    /// <summary>From the event to its successful delivery.</summary>
    public static readonly Histogram<double> WebhookDeliveryLag = Meter.CreateHistogram<double>(
        "actoroauth.webhook.delivery.lag", "s", "Time from a connection event to its successful delivery");

    /// <summary>One call to a provider's token, revocation or discovery endpoint, by provider, operation and outcome.</summary>
    public static readonly Histogram<double> ProviderCallDuration = Meter.CreateHistogram<double>(
        "actoroauth.provider.call.duration", "s", "Provider endpoint call latency by provider and operation");

    /// <summary>A token handed out by the API; <paramref name="startedAt"/> from <see cref="Stopwatch.GetTimestamp"/>. Allocates nothing.</summary>
    public static void TokenHandedOut(long startedAt)
    {
        TokenHandouts.Add(1);
        if (TokenHandoutDuration.Enabled)
        {
            TokenHandoutDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        }
    }

    public static void Refreshed(string? provider) =>
        Refreshes.Add(1, new("outcome", "succeeded"), new("provider", TagValues.Provider(provider)));

    public static void RefreshFailed(string? provider, string code, bool terminal)
    {
        if (Refreshes.Enabled)
        {
            Refreshes.Add(1, new("outcome", "failed"), new("provider", TagValues.Provider(provider)), new("error.code", TagValues.ErrorCode(code)),
                new("terminal", terminal));
        }
    }

    public static void Authorized(string? provider) =>
        Authorizations.Add(1, new("outcome", "authorized"), new("provider", TagValues.Provider(provider)));

    public static void AuthorizationFailed(string? provider, string code)
    {
        if (Authorizations.Enabled)
        {
            Authorizations.Add(1, new("outcome", "failed"), new("provider", TagValues.Provider(provider)), new("error.code", TagValues.ErrorCode(code)));
        }
    }

    public static void StatusChanged(ConnectionStatus from, ConnectionStatus to) =>
        StatusChanges.Add(1, new("from", TagValues.Status(from)), new("to", TagValues.Status(to)));

    public static void Active(ConnectionStatus status, int delta) => ActiveConnections.Add(delta, new KeyValuePair<string, object?>("status", TagValues.Status(status)));

    public static void Delivery(string outcome) => WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>
    /// Measures one provider call (a span <c>provider {operation}</c> and the latency histogram); dispose when it ends.
    /// The span's child is the HttpClient's own span, whose URL carries no query.
    /// </summary>
    public static ProviderCall ProviderCall(string? provider, string operation)
    {
        var tag = TagValues.Provider(provider);
        var activity = ActivitySource.StartActivity("provider " + operation, ActivityKind.Internal);
        activity?.SetTag("actoroauth.provider", tag);
        activity?.SetTag("actoroauth.operation", operation);
        return new ProviderCall(tag, operation, Stopwatch.GetTimestamp(), activity);
    }
}

/// <summary>One provider call being measured (<see cref="ActorOAuthMetrics.ProviderCall"/>).</summary>
public readonly struct ProviderCall(string provider, string operation, long startedAt, Activity? activity) : IDisposable
{
    public void Dispose()
    {
        if (ActorOAuthMetrics.ProviderCallDuration.Enabled)
        {
            ActorOAuthMetrics.ProviderCallDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
                new("provider", provider), new("operation", operation));
        }

        activity?.Dispose();
    }
}

/// <summary>
/// Tag values from bounded sets: the first <see cref="Limit"/> distinct provider ids and error codes a process sees are
/// used as they are; later new ones become <c>other</c>. Statuses are their lower-case names.
/// </summary>
public static class TagValues
{
    public const int Limit = 100;
    public const string Other = "other";

    private static readonly ConcurrentDictionary<string, string> Providers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> ErrorCodes = new(StringComparer.Ordinal);
    private static readonly string[] Statuses = [.. Enum.GetValues<ConnectionStatus>().Select(s => s.ToString().ToLowerInvariant())];

    /// <summary>The provider's catalog id, <c>custom</c> for none, <c>other</c> past the limit.</summary>
    public static string Provider(string? provider) => provider is null or "" ? "custom" : Bounded(Providers, provider);

    public static string ErrorCode(string code) => Bounded(ErrorCodes, code);

    public static string Status(ConnectionStatus status) => (int)status >= 0 && (int)status < Statuses.Length ? Statuses[(int)status] : Other;

    private static string Bounded(ConcurrentDictionary<string, string> known, string value)
    {
        if (known.TryGetValue(value, out var kept))
        {
            return kept;
        }

        return known.Count >= Limit ? Other : known.GetOrAdd(value, value);
    }
}
