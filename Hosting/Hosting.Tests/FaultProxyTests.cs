using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platform.Hosting.Chaos;

namespace Platform.Hosting.Tests;

/// <summary>The edge proxy's faults against a real loopback echo server.</summary>
public sealed class FaultProxyTests : IAsyncLifetime
{
    private readonly TcpListener _echo = new(IPAddress.Loopback, 0);
    private readonly EdgeRouter _edges = new();
    private Task _serving = Task.CompletedTask;
    private int _proxyPort;

    public ValueTask InitializeAsync()
    {
        _echo.Start();
        _serving = Task.Run(async () =>
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _echo.AcceptSocketAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) // stopped, possibly before the first accept
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using (socket)
                    {
                        var buffer = new byte[64 * 1024];
                        int read;
                        while ((read = await socket.ReceiveAsync(buffer)) > 0)
                        {
                            await socket.SendAsync(buffer.AsMemory(0, read));
                        }
                    }
                });
            }
        });
        _proxyPort = _edges.Route("client", "echo", ((IPEndPoint)_echo.LocalEndpoint).Port);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Without_a_fault_bytes_flow_untouched()
    {
        using var client = await ConnectAsync();
        Assert.Equal("ping", await RoundTripAsync(client, "ping", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_bandwidth_limit_slows_a_transfer_to_that_rate()
    {
        _edges.Set("client->echo", new EdgeFaults(new EdgeFault { Bandwidth = 64 * 1024 }, EdgeFault.None));
        using var client = await ConnectAsync();
        var payload = new string('x', 96 * 1024);
        var clock = Stopwatch.StartNew();
        Assert.Equal(payload.Length, (await RoundTripAsync(client, payload, TimeSpan.FromSeconds(10))).Length);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.2), $"96 KiB at 64 KiB/s took {clock.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task A_blackhole_swallows_bytes_until_the_fault_is_cleared()
    {
        using var client = await ConnectAsync();
        _edges.Set("client->echo", new EdgeFault { Blackhole = true });
        await client.SendAsync("lost"u8.ToArray());
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveAsync(new byte[16], quiet.Token));
        _edges.Clear("client->echo");
        using var fresh = await ConnectAsync();
        Assert.Equal("back", await RoundTripAsync(fresh, "back", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_flapping_link_alternates_between_dead_and_alive()
    {
        _edges.Set("client->echo", new EdgeFault { FlapPeriod = TimeSpan.FromMilliseconds(400) });
        var outcomes = new List<bool>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3.2))
        {
            using var client = await ConnectAsync();
            try
            {
                outcomes.Add(await RoundTripAsync(client, "flap", TimeSpan.FromMilliseconds(250)) == "flap");
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                outcomes.Add(false);
            }
        }

        Assert.Contains(true, outcomes);
        Assert.Contains(false, outcomes);
    }

    [Fact]
    public async Task A_reset_fault_resets_connections_and_counts_them()
    {
        _edges.Set("client->echo", new EdgeFaults(new EdgeFault { ResetProbability = 1 }, EdgeFault.None));
        using var client = await ConnectAsync();
        await client.SendAsync("boom"u8.ToArray());
        var echoed = 0;
        try
        {
            int read;
            var buffer = new byte[16];
            while ((read = await client.ReceiveAsync(buffer)) > 0)
            {
                echoed += read;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // the reset reached the client
        }

        Assert.Equal(0, echoed); // nothing got through before the reset
        Assert.Equal(1, _edges.Resets);
    }

    [Fact]
    public async Task A_slow_close_holds_the_close_back_while_data_still_flows()
    {
        _edges.Set("client->echo", new EdgeFaults(new EdgeFault { SlowClose = TimeSpan.FromSeconds(1) }, EdgeFault.None));
        using var client = await ConnectAsync();
        Assert.Equal("bye", await RoundTripAsync(client, "bye", TimeSpan.FromSeconds(5)));

        var clock = Stopwatch.StartNew();
        client.Shutdown(SocketShutdown.Send); // the echo server closes when it sees this end
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await client.ReceiveAsync(new byte[16], deadline.Token)); // the close comes through in the end

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"the close arrived after {clock.Elapsed.TotalSeconds:0.00} s");
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _proxyPort);
        return socket;
    }

    private static async Task<string> RoundTripAsync(Socket socket, string text, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var bytes = System.Text.Encoding.ASCII.GetBytes(text);
        await socket.SendAsync(bytes, deadline.Token);
        var received = new byte[bytes.Length];
        var total = 0;
        while (total < bytes.Length)
        {
            var read = await socket.ReceiveAsync(received.AsMemory(total), deadline.Token);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return System.Text.Encoding.ASCII.GetString(received, 0, total);
    }

    public async ValueTask DisposeAsync()
    {
        await _edges.DisposeAsync();
        _echo.Stop();
        await _serving;
    }
}
