using System.ComponentModel.DataAnnotations;

namespace ActorOAuth.Api;

/// <summary>The API's settings, section <c>ActorOAuth</c>.</summary>
public sealed class ActorOAuthOptions
{
    public const string Section = "ActorOAuth";

    /// <summary>This deployment's externally visible base URL; the callback is <c>{PublicBaseUrl}/callback</c>.</summary>
    [Required, Url]
    public string PublicBaseUrl { get; set; } = "http://localhost:5000";

    /// <summary>API keys in plain text mapped to their tenant: <c>ActorOAuth:ApiKeys:{key}={tenant}</c>.</summary>
    public Dictionary<string, string> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// API keys by their SHA-256 (lower-case hex) mapped to their tenant: <c>ActorOAuth:ApiKeyHashes:{sha256}={tenant}</c>.
    /// The production form: the configuration never holds a usable key. Several keys per tenant allow rotation.
    /// </summary>
    public Dictionary<string, string> ApiKeyHashes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Request rate limits.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>
    /// Overrides of the built-in provider catalog's URLs (and name), and entries the operator adds:
    /// <c>ActorOAuth:Providers:{id}:{Field}</c>. URL values may use the entry's placeholders (<c>{subdomain}</c>).
    /// </summary>
    public Dictionary<string, ProviderCatalogEntry> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per-tenant settings, keyed by tenant.</summary>
    public Dictionary<string, TenantOptions> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// This deployment's region (<c>us</c>, <c>us-gov</c>, <c>eu-west-1</c>, <c>eu-west-2</c>, <c>ca-central-1</c>,
    /// <c>ap-southeast-2</c>); when <see cref="Regions"/> gives it a public base URL, that URL is used. Default: none.
    /// </summary>
    [AllowedValues(null, "us", "us-gov", "eu-west-1", "eu-west-2", "ca-central-1", "ap-southeast-2")]
    public string? Region { get; set; }

    /// <summary>Per-region settings, keyed by region name.</summary>
    public Dictionary<string, RegionOptions> Regions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The callback URL of this deployment: <c>{region's or PublicBaseUrl}/callback</c>.</summary>
    public string CallbackUrl =>
        (Region is not null && Regions.TryGetValue(Region, out var region) && !string.IsNullOrEmpty(region.PublicBaseUrl) ? region.PublicBaseUrl : PublicBaseUrl)
            .TrimEnd('/') + "/callback";

    /// <summary>The callback URL a tenant registers at providers: its custom domain's, or this deployment's.</summary>
    public string CallbackUrlFor(string tenant) =>
        Tenants.TryGetValue(tenant, out var options) && !string.IsNullOrEmpty(options.CustomDomain)
            ? $"https://oauth2.{options.CustomDomain}/callback"
            : CallbackUrl;
}

/// <summary>One provider of the catalog, as the operator configures it: a built-in entry's new URLs, or a new entry.</summary>
public sealed class ProviderCatalogEntry
{
    /// <summary>The name customers see; default: the built-in entry's, or the id.</summary>
    public string? Name { get; set; }

    /// <summary>The identity call <c>POST /check</c> makes.</summary>
    public string? UserInfoUrl { get; set; }

    /// <summary>Where refreshes go, when not the token endpoint.</summary>
    public string? RefreshUrl { get; set; }

    public string? AuthorizeUrl { get; set; }

    public string? TokenUrl { get; set; }

    public string? RevokeUrl { get; set; }

    public string? Issuer { get; set; }
}

/// <summary>One region's settings.</summary>
public sealed class RegionOptions
{
    /// <summary>The region's externally visible base URL (e.g. <c>https://eu-west-1.oauth.example.com</c>).</summary>
    [Url]
    public string? PublicBaseUrl { get; set; }
}

/// <summary>One tenant's settings.</summary>
public sealed class TenantOptions
{
    /// <summary>
    /// The tenant's own domain: its callback becomes <c>https://oauth2.{CustomDomain}/callback</c>, which the
    /// operator routes to this region's API. Default: none.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")]
    public string? CustomDomain { get; set; }

    /// <summary>Origins (<c>https://app.example.com</c>) a callback may send the browser back to with <c>returnUrl</c>.</summary>
    public List<string> ReturnUrlOrigins { get; set; } = [];

    /// <summary>How the tenant's connect and callback pages look (<see cref="ConnectPages.BrandingOptions"/>).</summary>
    public ConnectPages.BrandingOptions Branding { get; set; } = new();

    /// <summary>
    /// Origins (<c>https://app.example.com</c>) that may embed the tenant's pages in a frame, beside this service's own.
    /// Default: none (<c>frame-ancestors 'self'</c>).
    /// </summary>
    public List<string> FrameAncestors { get; set; } = [];
}

/// <summary>Rate limits, section <c>ActorOAuth:RateLimits</c>. Development raises them (see appsettings.Development.json).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Whether limits apply at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sustained <c>/api</c> requests per second per tenant. Default 500.</summary>
    [Range(1, 1_000_000)]
    public int TenantRequestsPerSecond { get; set; } = 500;

    /// <summary>Burst of <c>/api</c> requests per tenant above the sustained rate. Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int TenantBurst { get; set; } = 1000;

    /// <summary><c>/callback</c> requests per minute per client address. Default 60.</summary>
    [Range(1, 1_000_000)]
    public int CallbackRequestsPerMinute { get; set; } = 60;
}
