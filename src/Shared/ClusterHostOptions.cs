using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;

namespace ActorOAuth.Hosting;

/// <summary>
/// How a cluster-mode process finds the cluster and its storage: section <c>ActorOAuth:Cluster</c>, the same for the
/// silos and the API processes (a region's settings are given to both). Compiled into both hosts and validated the
/// same way by <see cref="Read"/> before either starts; a setting only one side uses is still checked on both.
/// </summary>
internal sealed class ClusterHostOptions
{
    public const string Section = "ActorOAuth:Cluster";

    /// <summary>Silos: failure detection, Orleans' <c>ClusterMembershipOptions</c> (<c>ProbeTimeout</c>, <c>NumMissedProbesLimit</c>, …).</summary>
    public const string MembershipSection = Section + ":Membership";

    /// <summary>
    /// The PostgreSQL database holding membership, grain state and reminders (prepared by <c>migrate</c>), e.g.
    /// <c>Host=db;Port=5432;Database=actoroauth;Username=actoroauth;Password=…</c>; the API finds the silos' gateways in
    /// its membership table. Required.
    /// </summary>
    [Required(ErrorMessage = "ActorOAuth:Cluster:ConnectionString is required in cluster mode (the PostgreSQL database prepared by `migrate`).")]
    public string? ConnectionString { get; set; }

    /// <summary>The ADO.NET invariant of the database driver. Default <c>Npgsql</c> (the only one the schema in <c>sql/</c> is written for).</summary>
    [Required(ErrorMessage = "ActorOAuth:Cluster:Invariant must not be empty.")]
    public string Invariant { get; set; } = "Npgsql";

    /// <summary>The Orleans cluster id: silos and API processes with the same id form one cluster (one per region). Default <c>actoroauth</c>.</summary>
    [Required(ErrorMessage = "ActorOAuth:Cluster:ClusterId must not be empty.")]
    public string ClusterId { get; set; } = "actoroauth";

    /// <summary>The Orleans service id: grain state and reminders are keyed by it, so it must never change for a deployment. Default <c>actoroauth</c>.</summary>
    [Required(ErrorMessage = "ActorOAuth:Cluster:ServiceId must not be empty.")]
    public string ServiceId { get; set; } = "actoroauth";

    /// <summary>Silos: the silo-to-silo port. Default 11111.</summary>
    [Range(1, 65535, ErrorMessage = "ActorOAuth:Cluster:SiloPort must be between {1} and {2}.")]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Silos: the port Orleans clients (the API processes) connect to. Default 30000.</summary>
    [Range(1, 65535, ErrorMessage = "ActorOAuth:Cluster:GatewayPort must be between {1} and {2}.")]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Silos: the IP address other silos and clients reach this silo at (in Kubernetes the pod IP). Default: none,
    /// Orleans picks this host's first address.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Silos: listen on every interface rather than only <see cref="AdvertisedAddress"/>. Default false.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    /// <summary>Silos: the name in the membership table and logs. Default: Orleans' own (host name based).</summary>
    public string? SiloName { get; set; }

    /// <summary>
    /// Silos: Orleans' Kubernetes hosting (the pod's name, namespace and IP from <c>POD_NAME</c>, <c>POD_NAMESPACE</c>,
    /// <c>POD_IP</c>; a deleted pod's silo declared dead at once). Needs a service account that may get, list, watch and
    /// patch the namespace's pods. Default: on exactly when running in Kubernetes (<c>KUBERNETES_SERVICE_HOST</c> is set).
    /// </summary>
    public bool? KubernetesHosting { get; set; }

    /// <summary>Silos: the region served; logged at start and with membership changes. Default <c>default</c>.</summary>
    [Required(ErrorMessage = "ActorOAuth:Cluster:Region must not be empty.")]
    public string Region { get; set; } = "default";

    /// <summary>Silos: how long a graceful shutdown (SIGTERM: hand off grains, leave the membership) may take. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>API processes: how long one grain call may take before the API gives up on it. Default 30 seconds.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Silos' <c>migrate</c>: where the schema scripts are. Default: <c>sql/postgresql</c> next to the silo's binaries.</summary>
    public string? SchemaDirectory { get; set; }

    /// <summary>Binds and validates the section; throws <see cref="InvalidOperationException"/> listing every problem, each naming its key.</summary>
    public static ClusterHostOptions Read(IConfiguration configuration)
    {
        var options = new ClusterHostOptions();
        configuration.GetSection(Section).Bind(options);
        var problems = options.Problems();
        return problems.Count == 0 ? options : throw new InvalidOperationException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>Every problem at once: data annotations alone would skip the rest after the first failing property.</summary>
    private List<string> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.Select(r => r.ErrorMessage ?? "ActorOAuth:Cluster is not valid.").ToList();
        if (AdvertisedAddress is not null && !IPAddress.TryParse(AdvertisedAddress, out _))
        {
            problems.Add($"ActorOAuth:Cluster:AdvertisedAddress '{AdvertisedAddress}' is not an IP address.");
        }

        foreach (var (key, value) in new[] { (nameof(ShutdownTimeout), ShutdownTimeout), (nameof(ResponseTimeout), ResponseTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{Section}:{key} must be positive; it is {value.ToString("c", CultureInfo.InvariantCulture)}.");
            }
        }

        return problems;
    }
}
