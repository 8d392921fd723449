using System.Net;
using System.Net.Sockets;

namespace Platform.Hosting.Orchestration;

/// <summary>Free loopback ports from the kernel, never the same one twice within this process.</summary>
internal static class PortAllocator
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
