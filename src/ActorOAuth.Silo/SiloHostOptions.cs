using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ActorOAuth.Silo;

/// <summary>How a cluster-mode silo finds the cluster and its storage. Section <c>ActorOAuth:Cluster</c>.</summary>
public sealed class SiloHostOptions : IValidatableObject
{
    public const string Section = "ActorOAuth:Cluster";

    /// <summary>
    /// The PostgreSQL database holding membership, grain state and reminders (prepared by <c>migrate</c>), e.g.
    /// <c>Host=db;Port=5432;Database=actoroauth;Username=actoroauth;Password=…</c>. Required.
    /// </summary>
    [Required(ErrorMessage = "ActorOAuth:Cluster:ConnectionString is required (the PostgreSQL database prepared by `migrate`).")]
    public string? ConnectionString { get; set; }

    /// <summary>The ADO.NET invariant of the database driver. Default <c>Npgsql</c> (the only one the schema in <c>sql/</c> is written for).</summary>
    [Required]
    public string Invariant { get; set; } = "Npgsql";

    /// <summary>The Orleans cluster id: silos and API processes with the same id form one cluster. Default <c>actoroauth</c>.</summary>
    [Required]
    public string ClusterId { get; set; } = "actoroauth";

    /// <summary>The Orleans service id: grain state and reminders are keyed by it, so it must never change for a deployment. Default <c>actoroauth</c>.</summary>
    [Required]
    public string ServiceId { get; set; } = "actoroauth";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port Orleans clients (the API processes) connect to. Default 30000.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The IP address other silos and clients reach this silo at (in Kubernetes the pod IP). Default: none, Orleans
    /// picks this host's first address.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Listen on every interface rather than only <see cref="AdvertisedAddress"/>. Default false.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    /// <summary>The silo's name in the membership table and logs. Default: Orleans' own (host name based).</summary>
    public string? SiloName { get; set; }

    /// <summary>The region this silo serves; logged at start and with membership changes. Default <c>default</c>.</summary>
    [Required]
    public string Region { get; set; } = "default";

    /// <summary>How long a graceful shutdown (SIGTERM: hand off grains, leave the membership) may take. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdvertisedAddress is not null && !IPAddress.TryParse(AdvertisedAddress, out _))
        {
            yield return new ValidationResult($"ActorOAuth:Cluster:AdvertisedAddress '{AdvertisedAddress}' is not an IP address.", [nameof(AdvertisedAddress)]);
        }

        if (ShutdownTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("ActorOAuth:Cluster:ShutdownTimeout must be positive.", [nameof(ShutdownTimeout)]);
        }
    }

    /// <summary>Binds and validates the section; throws <see cref="InvalidOperationException"/> listing every problem.</summary>
    public static SiloHostOptions Read(IConfiguration configuration)
    {
        var options = new SiloHostOptions();
        configuration.GetSection(Section).Bind(options);
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, results.Select(r => r.ErrorMessage)));
        }

        return options;
    }
}
