using System.Net;
using System.Net.Sockets;

namespace Platform.KafkaBroker;

/// <summary>
/// Pipes a client's bootstrap connection to the first broker that accepts it. Only the first metadata exchange goes
/// this way: the metadata advertises the brokers' own addresses, which clients then use directly.
/// </summary>
internal static class BootstrapRelay
{
    public static async Task PipeAsync(TcpClient client, IReadOnlyList<IPEndPoint> brokers, CancellationToken stop)
    {
        foreach (var broker in brokers)
        {
            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(broker, stop);
            }
            catch (SocketException)
            {
                continue; // that broker is down: try the next
            }

            using var pipe = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var toBroker = client.GetStream().CopyToAsync(upstream.GetStream(), pipe.Token);
            var toClient = upstream.GetStream().CopyToAsync(client.GetStream(), pipe.Token);
            await Task.WhenAny(toBroker, toClient);
            await pipe.CancelAsync(); // one side closed: close both
            return;
        }
    }
}
