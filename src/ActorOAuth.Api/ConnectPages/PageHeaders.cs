using System.Buffers.Text;
using System.Security.Cryptography;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>A tenant's look and who may frame its pages, resolved from <see cref="TenantOptions"/>.</summary>
public sealed record Brand(string DisplayName, string? LogoUrl, string Accent, IReadOnlyList<string> FrameAncestors)
{
    public const string DefaultName = "ActorOAuth";

    /// <summary>The look of pages whose tenant is not known (a forged link): the defaults, framed by this service only.</summary>
    public static readonly Brand Default = new(DefaultName, null, ConnectPageOptionsValidator.DefaultAccent, []);

    public static Brand For(ActorOAuthOptions options, string? tenant)
    {
        if (tenant is null || !options.Tenants.TryGetValue(tenant, out var settings))
        {
            return Default;
        }

        var b = settings.Branding;
        return new Brand(
            string.IsNullOrWhiteSpace(b.DisplayName) ? DefaultName : b.DisplayName.Trim(),
            b.LogoUrl,
            b.AccentColor ?? ConnectPageOptionsValidator.DefaultAccent,
            settings.FrameAncestors);
    }
}

/// <summary>
/// The headers every customer-facing page sends: a strict CSP (scripts only from this service, no inline script; the one
/// inline style is the brand colour under a per-response nonce), framing by the tenant's setting, no referrer, no store.
/// </summary>
public static class PageHeaders
{
    /// <summary>A fresh CSP nonce (128 random bits).</summary>
    public static string NewNonce() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Sets the headers. <paramref name="formTargets"/> are the origins a form on the page may end up at (a Connect form
    /// redirects to the provider); CSP's <c>form-action</c> holds for the redirects too.
    /// </summary>
    public static void Apply(HttpResponse response, Brand brand, string nonce, IEnumerable<string>? formTargets = null)
    {
        var ancestors = string.Join(' ', brand.FrameAncestors.Prepend("'self'").Distinct(StringComparer.OrdinalIgnoreCase));
        var images = brand.LogoUrl is { } logo && Uri.TryCreate(logo, UriKind.Absolute, out var logoUri) ? $"'self' {Origin(logoUri)}" : "'self'";
        var forms = string.Join(' ', (formTargets ?? []).Prepend("'self'").Distinct(StringComparer.OrdinalIgnoreCase));
        var headers = response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src {images}; connect-src 'self'; " +
            $"form-action {forms}; frame-ancestors {ancestors}; base-uri 'none'";
        if (brand.FrameAncestors.Count == 0)
        {
            headers.XFrameOptions = "SAMEORIGIN";
        }
        else
        {
            // X-Frame-Options cannot list origins; frame-ancestors (which browsers prefer) says who may frame.
            headers.Remove("X-Frame-Options");
        }

        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
    }

    /// <summary>scheme://host[:port] of a URL, as CSP source expressions name it.</summary>
    public static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    /// <summary>An origin: https://host or http://host, with an optional port and nothing after it.</summary>
    public static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is ("https" or "http") && value.All(c => c is >= '!' and <= '~')
        && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && !value.EndsWith('/');
}
