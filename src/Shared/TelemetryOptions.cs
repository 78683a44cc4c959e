using Microsoft.Extensions.Options;

namespace ActorOAuth.Hosting;

/// <summary>
/// What operators see, section <c>ActorOAuth:Telemetry</c> (the API and the silos alike). OpenTelemetry export is on
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (traces, metrics and logs over OTLP; the other <c>OTEL_*</c> variables
/// apply); the endpoints below are off by default and answer only requests carrying an admin key.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "ActorOAuth:Telemetry";

    /// <summary>
    /// Admin keys by their SHA-256 (lower-case hex), as <c>ActorOAuth:Telemetry:AdminKeyHashes:{n}</c>: the
    /// configuration never holds a usable key. A request presents the key as <c>Authorization: Bearer {key}</c>, or as
    /// the password of HTTP Basic authentication (a browser asks for it). Default: none.
    /// </summary>
    public List<string> AdminKeyHashes { get; set; } = [];

    /// <summary>A Prometheus scrape endpoint at <c>/metrics</c>, admin key required. Default false.</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// The Orleans Dashboard at <c>/dashboard</c> on hosts that run a silo (the embedded API, the silos), admin key
    /// required; it never shows grain state. It profiles every grain call while on. Default false.
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>Whether OTLP export is configured (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</summary>
    public static bool OtlpConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}

/// <summary>Each admin key hash a SHA-256 in hex; the endpoints that need one are not turned on without one.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AdminKeyHashes.Count; i++)
        {
            if (options.AdminKeyHashes[i] is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
            {
                failures.Add($"{TelemetryOptions.Section}:AdminKeyHashes:{i} must be a SHA-256 in hex (64 characters).");
            }
        }

        if ((options.Prometheus || options.Dashboard) && options.AdminKeyHashes.Count == 0)
        {
            failures.Add($"{TelemetryOptions.Section}:Prometheus and :Dashboard need an admin key: set {TelemetryOptions.Section}:AdminKeyHashes:0 to the SHA-256 (hex) of one.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
