using System.ComponentModel.DataAnnotations;

namespace ActorOAuth.Grains.Index;

/// <summary>How a tenant's index lays out its pages. Section <c>ActorOAuth:TenantIndex</c>.</summary>
public sealed class TenantIndexOptions
{
    public const string Section = "ActorOAuth:TenantIndex";

    /// <summary>
    /// The most entries one page (one storage row) holds; a page that grows past it splits in two. A status change
    /// writes one page, so this bounds what it costs. Default 256.
    /// </summary>
    [Range(4, 16_384)]
    public int PageSize { get; set; } = 256;
}
