using System.ComponentModel.DataAnnotations;

namespace ActorOAuth.Grains.Security;

/// <summary>Which provider URLs and addresses ActorOAuth will talk to. Section <c>ActorOAuth:ProviderSecurity</c>.</summary>
public sealed class ProviderSecurityOptions
{
    public const string Section = "ActorOAuth:ProviderSecurity";

    /// <summary>
    /// Allow <c>http</c> URLs and loopback addresses (the sandbox and local test providers). Default: true in
    /// Development, false everywhere else.
    /// </summary>
    public bool? AllowLoopback { get; set; }

    /// <summary>
    /// Operator allow-list for on-premises providers: host names (exact) or addresses and CIDR ranges
    /// (<c>10.20.0.0/16</c>) that may be private. Default: empty.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>The largest provider response read, in bytes: 1 KiB to 16 MiB. Default 64 KiB.</summary>
    [Range(1024, 16 * 1024 * 1024, ErrorMessage = "ActorOAuth:ProviderSecurity:MaxResponseBytes must be between {1} and {2}.")]
    public int MaxResponseBytes { get; set; } = 64 * 1024;
}
