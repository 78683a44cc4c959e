using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Grains.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;

namespace ActorOAuth.Hosting;

/// <summary>Where a host's grains run, which decides what it can show (the dashboard needs a silo in the process).</summary>
internal enum TelemetryHost
{
    /// <summary>The API with its co-hosted silo (the embedded default).</summary>
    EmbeddedApi,

    /// <summary>The API as a pure client of the cluster.</summary>
    ClusterApi,

    /// <summary>A cluster-mode silo.</summary>
    Silo,
}

/// <summary>
/// OpenTelemetry for the API and the silos: traces and metrics of ASP.NET Core, HttpClient (provider and webhook calls;
/// URLs without their query), Npgsql, the runtime, Orleans' meter and activity sources and the <c>ActorOAuth</c> meter.
/// Nothing is collected unless something exports it: OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the
/// Prometheus endpoint when turned on (<see cref="TelemetryOptions"/>); the embedded default stays quiet. Tracing
/// (and Orleans' activity propagation, a filter on every grain call) is on only with OTLP.
/// </summary>
internal static class TelemetryHosting
{
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    public static void Add(WebApplicationBuilder builder, string serviceName, TelemetryHost host)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        var options = Read(builder.Configuration);
        var otlp = TelemetryOptions.OtlpConfigured(builder.Configuration);
        if (options.Dashboard && host != TelemetryHost.ClusterApi)
        {
            builder.UseOrleans(silo => silo.AddDashboard(o => o.HideTrace = true));
        }

        if (!otlp && !options.Prometheus)
        {
            return;
        }

        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(serviceName));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(ActorOAuthMetrics.MeterName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation();
            if (options.Prometheus)
            {
                metrics.AddPrometheusExporter();
            }
        });

        if (!otlp)
        {
            return;
        }

        telemetry.WithTracing(tracing => tracing
            .AddSource(ActorOAuthMetrics.ActivitySourceName, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperatorPath(http.Request.Path))
            .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = (activity, request) =>
            {
                // A webhook URL may carry a vendor's token in its query: spans keep scheme, host and path only.
                if (request.RequestUri is { } uri)
                {
                    activity.SetTag("url.full", uri.GetLeftPart(UriPartial.Path));
                }
            })
            .AddNpgsql());
        telemetry.UseOtlpExporter();
        if (host == TelemetryHost.ClusterApi)
        {
            builder.UseOrleansClient(client => client.AddActivityPropagation());
        }
        else
        {
            builder.UseOrleans(silo => silo.AddActivityPropagation());
        }
    }

    /// <summary>Maps <c>/metrics</c> and <c>/dashboard</c> when they are on, behind the admin key.</summary>
    public static void MapTelemetry(this WebApplication app, TelemetryHost host)
    {
        var options = Read(app.Configuration);
        var dashboard = options.Dashboard && host != TelemetryHost.ClusterApi;
        if (!options.Prometheus && !dashboard)
        {
            return;
        }

        var hashes = options.AdminKeyHashes.Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        app.UseWhen(http => (options.Prometheus && http.Request.Path.StartsWithSegments(MetricsPath)) || (dashboard && http.Request.Path.StartsWithSegments(DashboardPath)),
            gated => gated.Use(async (http, next) =>
            {
                if (!IsAdmin(http.Request, hashes))
                {
                    http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    http.Response.Headers.WWWAuthenticate = new(["Basic realm=\"ActorOAuth operators\"", "Bearer"]);
                    return;
                }

                // The dashboard can show a grain's state (a connection's tokens): that endpoint is never served.
                if (http.Request.Path.StartsWithSegments(DashboardPath + "/GrainState", StringComparison.OrdinalIgnoreCase))
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                http.Response.Headers.CacheControl = "no-store";
                await next(http);
            }));

        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath);
        }

        if (dashboard)
        {
            app.MapOrleansDashboard(DashboardPath);
        }
    }

    private static TelemetryOptions Read(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

    private static bool IsOperatorPath(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments(DashboardPath) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");

    /// <summary>The request carries an admin key, as a bearer token or a Basic password: its SHA-256 is looked up.</summary>
    private static bool IsAdmin(HttpRequest request, HashSet<string> hashes)
    {
        if (hashes.Count == 0 || !AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header) || header.Parameter is not { Length: > 0 and <= 1024 } value)
        {
            return false;
        }

        string? key = null;
        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            key = value;
        }
        else if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
                var colon = decoded.IndexOf(':');
                key = colon >= 0 ? decoded[(colon + 1)..] : null;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return key is { Length: > 0 } && hashes.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));
    }
}
