using System.Net;
using System.Net.Sockets;

namespace ActorOAuth.Grains.Security;

/// <summary>
/// The connect step of every provider HTTP call: resolves the host, drops addresses the policy
/// refuses and connects only to an allowed one, so the address checked is the address used.
/// </summary>
public sealed class GuardedConnector(ProviderUrlPolicy policy)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var refusals = addresses.Select(a => (Address: a, Problem: policy.AddressProblem(host, a))).ToList();
        var allowed = refusals.Where(r => r.Problem is null).Select(r => r.Address).ToArray();
        if (allowed.Length == 0)
        {
            throw new ProviderAddressRefusedException(host, refusals.FirstOrDefault().Problem ?? "The host did not resolve.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A provider host resolved only to addresses the policy refuses.</summary>
public sealed class ProviderAddressRefusedException(string host, string reason)
    : Exception($"Refused to connect to '{host}': {reason}");

/// <summary>A provider answered with more than the allowed number of bytes.</summary>
public sealed class ProviderResponseTooLargeException(int limit)
    : Exception($"The provider's response is larger than {limit} bytes.");
