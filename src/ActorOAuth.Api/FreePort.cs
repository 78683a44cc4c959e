using System.Net;
using System.Net.Sockets;

namespace ActorOAuth.Api;

/// <summary>Ports for what the embedded default runs beside the API, so two instances on one machine never collide.</summary>
internal static class FreePort
{
    /// <summary>A loopback port nobody listens on right now (the kernel's pick).</summary>
    public static int Any()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><paramref name="preferred"/> when it is a valid port nobody listens on, else <see cref="Any"/>.</summary>
    public static int PreferOr(int preferred)
    {
        if (preferred is > 0 and <= IPEndPoint.MaxPort)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, preferred);
                listener.Start();
                return preferred;
            }
            catch (SocketException)
            {
            }
        }

        return Any();
    }
}
