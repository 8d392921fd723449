using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Storage.Chunks;

namespace Platform.Storage;

/// <summary>One chunk server as the gateway sees it: its client, and what its last health check said.</summary>
internal sealed class ChunkServer(string name, ChunkStore.ChunkStoreClient client)
{
    private long _assigned;
    private long _free = long.MaxValue;
    private long _used;
    private long _downSince;
    private volatile bool _healthy = true;

    public string Name { get; } = name;

    public ChunkStore.ChunkStoreClient Client { get; } = client;

    public bool Healthy => _healthy;

    /// <summary>How long its health checks have failed (zero while it answers).</summary>
    public TimeSpan Down => _healthy ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _downSince));

    public long FreeBytes => Interlocked.Read(ref _free);

    public long UsedBytes => Interlocked.Read(ref _used);

    /// <summary>Bytes placed on it since its last health check (its own figures catch up at the next one).</summary>
    public long Assigned => Interlocked.Read(ref _assigned);

    public void Assign(long bytes) => Interlocked.Add(ref _assigned, bytes);

    public void Reported(HealthCheckReply health)
    {
        Interlocked.Exchange(ref _free, health.FreeBytes);
        Interlocked.Exchange(ref _used, health.UsedBytes);
        Interlocked.Exchange(ref _assigned, 0);
        _healthy = true;
    }

    /// <summary>Its health check failed: no new chunks go to it until one succeeds.</summary>
    public bool Unreachable()
    {
        var was = _healthy;
        if (was)
        {
            Interlocked.Exchange(ref _downSince, Environment.TickCount64);
        }

        _healthy = false;
        return was;
    }
}

/// <summary>
/// The chunk servers the AppHost referenced (<c>services:chunks-N</c>), each reached over one long-lived gRPC channel
/// (h2c, several HTTP/2 connections when streams pile up), not through the shared HttpClient setup: its per-attempt
/// timeout and retries would cut every long stream. Every 2 s each is asked for its health and space; placement picks
/// healthy servers with room, the least used first. Readers report copies they found damaged or missing here, for
/// the repair (<see cref="ChunkRepair"/>).
/// </summary>
internal sealed class ChunkServers : BackgroundService
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(2);
    private readonly IReadOnlyList<ChunkServer> _servers;
    private readonly List<GrpcChannel> _channels = [];
    private readonly ConcurrentQueue<(string ChunkId, string Server)> _damaged = new();
    private readonly ILogger<ChunkServers> _logger;

    public ChunkServers(IConfiguration configuration, ILogger<ChunkServers> logger)
    {
        _logger = logger;
        var servers = new List<ChunkServer>();
        foreach (var service in configuration.GetSection("services").GetChildren().Where(s => s.Key.StartsWith("chunks-", StringComparison.Ordinal)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var address = service["http:0"] ?? throw new InvalidOperationException($"services:{service.Key}:http:0 is not set.");
            var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true, // past 100 concurrent streams on one connection
                    ConnectTimeout = TimeSpan.FromSeconds(2),
                    KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                    KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                },
                DisposeHttpClient = true,
            });
            _channels.Add(channel);
            servers.Add(new ChunkServer(service.Key, new ChunkStore.ChunkStoreClient(channel)));
        }

        _servers = servers;
    }

    public IReadOnlyList<ChunkServer> All => _servers;

    public ChunkServer this[string name] => _servers.FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"No chunk server {name}.");

    /// <summary>A copy a reader found damaged (its checksum failed) or missing.</summary>
    public void ReportDamaged(string chunkId, string server) => _damaged.Enqueue((chunkId, server));

    /// <summary>The copies reported damaged since the last call.</summary>
    public List<(string ChunkId, string Server)> TakeDamaged()
    {
        var taken = new List<(string, string)>();
        while (_damaged.TryDequeue(out var copy))
        {
            taken.Add(copy);
        }

        return taken;
    }

    /// <summary>
    /// <paramref name="count"/> distinct healthy servers with room for <paramref name="bytes"/>, none of
    /// <paramref name="excluded"/>: those holding the fewest of this file's copies so far (<paramref name="placedSoFar"/>),
    /// so a file spreads over every server, then the least used (ties at random).
    /// </summary>
    public IReadOnlyList<ChunkServer> Place(int count, long bytes, IReadOnlyCollection<string>? excluded = null, IReadOnlyDictionary<string, int>? placedSoFar = null)
    {
        var chosen = _servers.Where(s => s.Healthy && s.FreeBytes - s.Assigned >= bytes && excluded?.Contains(s.Name) != true)
            .OrderBy(s => placedSoFar?.GetValueOrDefault(s.Name) ?? 0).ThenBy(s => s.UsedBytes + s.Assigned).ThenBy(_ => Random.Shared.Next())
            .Take(count).ToList();
        if (chosen.Count < count)
        {
            throw new NotEnoughServersException($"{count} chunk servers with {bytes} bytes free are needed; {chosen.Count} are available.");
        }

        foreach (var server in chosen)
        {
            server.Assign(bytes);
        }

        return chosen;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollEvery);
        try
        {
            do
            {
                await Task.WhenAll(_servers.Select(s => PollAsync(s, stoppingToken)));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PollAsync(ChunkServer server, CancellationToken stoppingToken)
    {
        try
        {
            server.Reported(await server.Client.HealthCheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stoppingToken));
        }
        catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
        {
            if (server.Unreachable())
            {
                _logger.LogWarning("Chunk server {Server} does not answer ({Status}); no new chunks go to it.", server.Name, e.StatusCode);
            }
        }
    }

    public override void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        base.Dispose();
    }
}

/// <summary>Too few chunk servers are up, or have room, for a chunk's copies: the upload is refused (503).</summary>
internal sealed class NotEnoughServersException(string message) : Exception(message);
