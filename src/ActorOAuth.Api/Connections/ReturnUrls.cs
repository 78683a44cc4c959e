using System.Diagnostics.CodeAnalysis;
using ActorOAuth.Grains.Security;

namespace ActorOAuth.Api.Connections;

/// <summary>
/// The <c>returnUrl</c> of an authorization: where the callback sends the browser after success. It ends up verbatim
/// in a <c>Location</c> header, so only an absolute <c>https</c>/<c>http</c> URL of printable ASCII (0x21–0x7E: no
/// space, control or non-ASCII character) on one of the tenant's allowed origins is accepted, and its normalised form
/// (<see cref="Uri.AbsoluteUri"/>: lower-case host, no default port) is what is stored and redirected to.
/// </summary>
public static class ReturnUrls
{
    /// <summary>Checks <paramref name="returnUrl"/> against <paramref name="allowedOrigins"/>; on success gives its normalised form.</summary>
    public static bool TryNormalize(string returnUrl, IEnumerable<string> allowedOrigins,
        [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? problem)
    {
        normalized = null;
        if (returnUrl.Length > ProviderUrlPolicy.MaxUrlLength)
        {
            problem = $"The returnUrl is longer than {ProviderUrlPolicy.MaxUrlLength} characters.";
            return false;
        }

        if (!returnUrl.All(c => c is >= '!' and <= '~'))
        {
            problem = "The returnUrl may only contain printable ASCII characters (no spaces, control or non-ASCII characters; percent-encode them).";
            return false;
        }

        if (!Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            problem = "The returnUrl must be an absolute http(s) URL.";
            return false;
        }

        // Escaping (of '<', '"', '|', …) can lengthen it: the stored form is held to the same limit.
        if (uri.AbsoluteUri.Length > ProviderUrlPolicy.MaxUrlLength)
        {
            problem = $"The returnUrl is longer than {ProviderUrlPolicy.MaxUrlLength} characters once normalised.";
            return false;
        }

        if (!allowedOrigins.Any(origin => Uri.TryCreate(origin, UriKind.Absolute, out var o)
            && Uri.Compare(o, uri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0))
        {
            problem = "The returnUrl's origin is not among this tenant's allowed origins (ActorOAuth:Tenants:{tenant}:ReturnUrlOrigins).";
            return false;
        }

        normalized = uri.AbsoluteUri;
        problem = null;
        return true;
    }
}
