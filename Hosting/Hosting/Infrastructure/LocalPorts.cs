using System.Net;
using System.Net.Sockets;

namespace Platform.Hosting.Infrastructure;

/// <summary>Loopback ports for processes started outside DCP (an AppHost run by a test, a reference proxy).</summary>
public static class LocalPorts
{
    /// <summary>A port the kernel had free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether something accepts connections on the port now (two seconds at most).</summary>
    public static Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken = default) => ServerProbes.TcpAsync(port, cancellationToken);
}
