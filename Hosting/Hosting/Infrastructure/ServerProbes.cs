using System.Net.Sockets;
using Npgsql;

namespace Platform.Hosting.Infrastructure;

/// <summary>Readiness checks that speak just enough of each protocol to know the server answers.</summary>
internal static class ServerProbes
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public static async Task<bool> TcpAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="request"/> and is satisfied when the reply starts with <paramref name="expectedPrefix"/>.</summary>
    public static async Task<bool> ExchangeAsync(int port, byte[] request, byte[] expectedPrefix, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(request, timeout.Token);
            var reply = new byte[expectedPrefix.Length];
            await stream.ReadExactlyAsync(reply, timeout.Token);
            return reply.AsSpan().SequenceEqual(expectedPrefix);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public static Task<bool> RedisAsync(int port, string password, CancellationToken cancellationToken)
        => ExchangeAsync(port, System.Text.Encoding.ASCII.GetBytes($"AUTH {password}\r\nPING\r\n"), "+OK\r\n+PONG"u8.ToArray(), cancellationToken);

    /// <summary>
    /// Whether a Redis Sentinel could fail <paramref name="service"/> over now: it sees a quorum of Sentinels able to
    /// authorise a failover (CKQUORUM) and knows all <paramref name="replicas"/> replicas of the primary.
    /// </summary>
    public static async Task<bool> SentinelReadyAsync(int port, string password, string service, int replicas, CancellationToken cancellationToken)
        => await ExchangeAsync(port, System.Text.Encoding.ASCII.GetBytes($"AUTH {password}\r\nSENTINEL CKQUORUM {service}\r\n"), "+OK\r\n+OK"u8.ToArray(), cancellationToken)
           && await ExchangeAsync(port, System.Text.Encoding.ASCII.GetBytes($"AUTH {password}\r\nSENTINEL REPLICAS {service}\r\n"), System.Text.Encoding.ASCII.GetBytes($"+OK\r\n*{replicas}\r\n"), cancellationToken);

    public static async Task<bool> PostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = (int)Timeout.TotalSeconds };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    private static readonly HttpClient Http = new() { Timeout = Timeout };

    /// <summary>
    /// Whether <paramref name="url"/> answers 2xx in exactly this version of HTTP (a gRPC server speaks only HTTP/2, h2c,
    /// on its cleartext endpoint, and never answers HTTP/1.1).
    /// </summary>
    public static async Task<bool> HttpAsync(Uri url, Version version, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await Http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false; // not listening yet, or not in this version of HTTP
        }
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx over HTTP/1.1 or HTTP/2 (every 100 ms; the caller's token is the deadline).</summary>
    public static async Task WaitForHttpAsync(Uri url, CancellationToken cancellationToken)
    {
        while (!await HttpAsync(url, System.Net.HttpVersion.Version11, cancellationToken) && !await HttpAsync(url, System.Net.HttpVersion.Version20, cancellationToken))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
