using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Security;

/// <summary>
/// Decides which provider URLs and addresses may be used (RFC 9700 §4.15: no requests to internal
/// networks on a vendor's say-so). Checked when settings are saved, and again for the address every
/// provider connection actually goes to, so DNS rebinding cannot slip past the first check.
/// </summary>
public sealed class ProviderUrlPolicy(IOptionsMonitor<ProviderSecurityOptions> options)
{
    public const int MaxUrlLength = 2048;

    private ProviderSecurityOptions Options => options.CurrentValue;

    private bool AllowLoopback => Options.AllowLoopback == true;

    /// <summary>Why a URL is refused before any DNS lookup, or null when its form is acceptable.</summary>
    public string? FormProblem(string value)
    {
        if (value.Length > MaxUrlLength)
        {
            return $"The URL is longer than {MaxUrlLength} characters.";
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return "Not an absolute URL.";
        }

        if (uri.Scheme is not ("https" or "http"))
        {
            return $"The '{uri.Scheme}' scheme is not allowed; use https.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "URLs with user info (user:password@) are not allowed.";
        }

        if (value.Contains('#'))
        {
            return "URLs with a fragment (#…) are not allowed.";
        }

        var host = uri.IdnHost.Trim('[', ']');
        var literal = IPAddress.TryParse(host, out var address) ? address : null;
        var loopbackName = uri.IsLoopback || (literal is not null && IPAddress.IsLoopback(literal));
        if (uri.Scheme == "http" && !(AllowLoopback && loopbackName))
        {
            return "Only https URLs are allowed (http only for loopback hosts in Development).";
        }

        return literal is not null ? AddressProblem(host, literal) : loopbackName ? AddressProblem(host, IPAddress.Loopback) : null;
    }

    /// <summary>Why a URL is refused once its host is resolved, or null when every address it resolves to is allowed.</summary>
    public async Task<string?> Problem(string value, CancellationToken cancellationToken)
    {
        if (FormProblem(value) is { } problem)
        {
            return problem;
        }

        var host = new Uri(value).IdnHost.Trim('[', ']');
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return $"The host '{host}' could not be resolved.";
        }

        return addresses.Length == 0
            ? $"The host '{host}' could not be resolved."
            : addresses.Select(a => AddressProblem(host, a)).FirstOrDefault(p => p is not null);
    }

    /// <summary>Why connecting to <paramref name="address"/> for <paramref name="host"/> is refused, or null when allowed.</summary>
    public string? AddressProblem(string host, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IsAllowListed(host, address))
        {
            return null;
        }

        if (IPAddress.IsLoopback(address))
        {
            return AllowLoopback ? null : "Loopback addresses are not allowed.";
        }

        return IsInternal(address)
            ? "Private, link-local, multicast and cloud-metadata addresses are not allowed (ask the operator to allow-list an on-premises provider)."
            : null;
    }

    /// <summary>Private (RFC 1918, unique-local, shared), link-local (cloud metadata), multicast, unspecified or reserved.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10
                || b[0] == 0
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                || b[0] >= 224;
        }

        var bytes = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b);
    }

    private bool IsAllowListed(string host, IPAddress address) => Options.AllowedHosts.Any(entry =>
        string.Equals(entry, host, StringComparison.OrdinalIgnoreCase)
        || (IPNetwork.TryParse(entry, out var network) && network.Contains(address))
        || (IPAddress.TryParse(entry, out var single) && single.Equals(address)));
}
