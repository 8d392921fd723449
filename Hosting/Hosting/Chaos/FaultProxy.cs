using System.Net;
using System.Net.Sockets;

namespace Platform.Hosting.Chaos;

/// <summary>
/// A loopback TCP proxy in front of one target port. Each accepted connection is piped to the target in both
/// directions through the edge's current faults, read afresh for every chunk, so a fault changes live connections too.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly Func<EdgeFaults> _faults;
    private readonly Action _onReset;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public FaultProxy(int targetPort, Func<EdgeFaults> faults, Action onReset)
    {
        _targetPort = targetPort;
        _faults = faults;
        _onReset = onReset;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            if (IsBlackholed(_faults().Upstream))
            {
                await SwallowWhileBlackholedAsync(client);
                return;
            }

            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                Reset(client);
                return;
            }

            using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client, server, () => _faults().Upstream, connection);
            var down = PumpAsync(server, client, () => _faults().Downstream, connection);
            await Task.WhenAny(up, down);
            await connection.CancelAsync();
            await Task.WhenAll(up, down);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Func<EdgeFault> fault, CancellationTokenSource connection)
    {
        var buffer = new byte[16 * 1024];
        EdgeFault? rolledFor = null;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, connection.Token);
                var current = fault();
                if (read == 0)
                {
                    if (current.SlowClose > TimeSpan.Zero)
                    {
                        await Task.Delay(current.SlowClose, connection.Token);
                    }

                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (current.ResetProbability > 0 && !ReferenceEquals(current, rolledFor))
                {
                    rolledFor = current; // one roll per connection, direction and fault setting
                    if (Random.Shared.NextDouble() < current.ResetProbability)
                    {
                        _onReset();
                        Reset(from);
                        Reset(to);
                        return;
                    }
                }

                if (IsBlackholed(current) || !to.Connected)
                {
                    continue; // bytes go nowhere
                }

                var delay = current.Latency + (current.Jitter > TimeSpan.Zero ? TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * current.Jitter.Ticks)) : TimeSpan.Zero);
                if (current.Bandwidth > 0)
                {
                    delay += TimeSpan.FromSeconds((double)read / current.Bandwidth);
                }

                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, connection.Token);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, connection.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the other direction ended the connection, or the proxy is stopping
        }
    }

    // A partitioned connect: the client's bytes vanish and nothing answers, until the fault lifts (then it is reset and retries).
    private async Task SwallowWhileBlackholedAsync(Socket client)
    {
        var buffer = new byte[4096];
        try
        {
            while (IsBlackholed(_faults().Upstream))
            {
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                poll.CancelAfter(TimeSpan.FromMilliseconds(250));
                try
                {
                    if (await client.ReceiveAsync(buffer, SocketFlags.None, poll.Token) == 0)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    // nothing arrived in this slice; look at the fault again
                }
            }

            Reset(client);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private bool IsBlackholed(EdgeFault fault)
        => fault.Blackhole || (fault.FlapPeriod > TimeSpan.Zero && (long)((DateTimeOffset.UtcNow - _started) / fault.FlapPeriod) % 2 == 0);

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
