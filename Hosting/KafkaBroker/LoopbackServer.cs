using System.Net;
using System.Net.Sockets;

namespace Platform.KafkaBroker;

/// <summary>A TCP listener on loopback that hands each accepted connection to a handler until stopped.</summary>
internal sealed class LoopbackServer
{
    private LoopbackServer(int port, Task serving)
    {
        Port = port;
        Serving = serving;
    }

    public int Port { get; }

    public Task Serving { get; }

    public static LoopbackServer Start(int port, Func<TcpClient, Task> handle, CancellationToken stop)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return new LoopbackServer(((IPEndPoint)listener.LocalEndpoint).Port, AcceptAsync(listener, handle, stop));
    }

    private static async Task AcceptAsync(TcpListener listener, Func<TcpClient, Task> handle, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await handle(client);
                        }
                        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                        {
                            // the peer went away, or we are stopping
                        }
                    }
                }, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            listener.Stop();
        }
    }
}
