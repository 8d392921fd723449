using Aspire.Hosting.Testing;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Platform.Hosting.Infrastructure;
using Platform.IntegrationTests.Infrastructure;
using Platform.Storage.Chunks;

namespace Platform.IntegrationTests.Storage;

/// <summary>
/// The AppHost's graph started with the object storage system only (<c>--Systems=storage</c>): six chunk servers,
/// reached over gRPC straight at their endpoints, as the seed's gRPC tests do.
/// </summary>
public sealed class StorageFixture : PlatformFixture
{
    private readonly Dictionary<string, GrpcChannel> _channels = [];

    protected override string[] Arguments => ["--Systems=storage"];

    /// <summary>A client of one chunk server (one channel per server, kept for the collection).</summary>
    public ChunkStore.ChunkStoreClient Chunks(int server)
    {
        var name = $"chunks-{server}";
        lock (_channels)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                channel = GrpcChannel.ForAddress(App.GetEndpoint(name, "http"), new GrpcChannelOptions
                {
                    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(2) },
                });
                _channels[name] = channel;
            }

            return new ChunkStore.ChunkStoreClient(channel);
        }
    }

    /// <summary>Where a chunk server keeps a chunk's file (the run's folder, as the AppHost made it).</summary>
    public string ChunkFileOf(int server, string chunkId)
        => Path.Combine(App.Services.GetRequiredService<RunDirectory>().Path, $"chunks-{server}", "chunks", chunkId[..2], chunkId);

    public override async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "storage";
}
