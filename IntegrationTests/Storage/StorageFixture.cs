using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Platform.Hosting.Infrastructure;
using Platform.IntegrationTests.Infrastructure;
using Platform.Storage.Chunks;

namespace Platform.IntegrationTests.Storage;

/// <summary>
/// The AppHost's graph started with object storage and the workspace platform (<c>--Systems=platform,storage</c>: a user
/// signs up through the registration saga, which needs the users and workspaces services). Files go through the gateway
/// with a user's token; the chunk servers are also reached over gRPC straight at their endpoints, as the seed's gRPC
/// tests do. Chunks are 4 MiB here (64 MiB by default) so small files span several, a replaced or deleted file's chunks
/// leave their servers after 1 s (10 min by default), a chunk server down for 3 s (2 min by default) has its copies made again elsewhere, an upload's copies are leased for 20 s at a time (10 min by default), the chunk reaper sleeps up to 10 min without news (30 s by default: a removal seen in time was woken for by its NOTIFY), and the gateway's per-client limit is raised for the concurrency tests.
/// </summary>
public sealed class StorageFixture : PlatformFixture
{
    private readonly Dictionary<string, GrpcChannel> _channels = [];

    private Tokens? _user;
    private Tokens? _otherTenant;
    private S3Key? _userKey;
    private S3Key? _otherTenantKey;

    protected override string[] Arguments =>
    [
        "--Systems=platform,storage", "--Storage:ChunkSize=4194304", "--Storage:DeleteGrace=00:00:01", "--Storage:RepairAfter=00:00:03",
        "--Storage:UploadLease=00:00:20", "--Storage:ReaperIdleCeiling=00:10:00",
        "--RateLimiting:Burst=100000", "--RateLimiting:TokensPerSecond=100000",
    ];

    /// <summary>A signed-up user's tokens (one user, one tenant, for the collection).</summary>
    public Tokens User => _user ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>A user of another tenant.</summary>
    public Tokens OtherTenant => _otherTenant ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>An S3 access key of <see cref="User"/>, made through <c>POST /api/storage/keys</c>.</summary>
    public S3Key UserKey => _userKey ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>An S3 access key of <see cref="OtherTenant"/>.</summary>
    public S3Key OtherTenantKey => _otherTenantKey ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The storage service's S3 endpoint (straight, not through the gateway: a signature covers the host).</summary>
    public Uri S3Endpoint => App.GetEndpoint("storage", "s3");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _user = (await Gateway.SignUpAsync()).Tokens;
        _otherTenant = (await Gateway.SignUpAsync()).Tokens;
        _userKey = await CreateKeyAsync(_user);
        _otherTenantKey = await CreateKeyAsync(_otherTenant);
    }

    /// <summary>A new access key of the token's user.</summary>
    public async Task<S3Key> CreateKeyAsync(Tokens user)
    {
        using var response = await Gateway.SendAsync(HttpMethod.Post, "/api/storage/keys", user.AccessToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<S3Key>())!;
    }

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
    public string ChunkFileOf(int server, string chunkId) => Path.Combine(DataDirectoryOf(server), "chunks", chunkId[..2], chunkId);

    /// <summary>
    /// A chunk server's accounting (count, used bytes) and the same of the chunk files on its disk, read while the files
    /// did not change around the server's answer: the graph's reaper and repair add and remove chunks at any moment.
    /// </summary>
    public async Task<((long Count, long Bytes) Server, (long Count, long Bytes) Disk)> AccountingAndDiskAsync(int server)
    {
        var read = await Eventually.ReturnsAsync(
            async () =>
            {
                var disk = ChunkFiles(server);
                var health = await Chunks(server).HealthCheckAsync(new HealthCheckRequest());
                return (Server: (health.ChunkCount, health.UsedBytes), Disk: disk, Unchanged: disk == ChunkFiles(server));
            },
            read => read.Unchanged, TimeSpan.FromSeconds(30), $"a quiet moment on chunks-{server}'s disk");
        return (read.Server, read.Disk);
    }

    private (long Count, long Bytes) ChunkFiles(int server)
    {
        var files = new DirectoryInfo(Path.Combine(DataDirectoryOf(server), "chunks")).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        return (files.Count, files.Sum(f => f.Length));
    }

    /// <summary>Where a chunk server writes a chunk until it is whole.</summary>
    public string TemporaryFolderOf(int server) => Path.Combine(DataDirectoryOf(server), "tmp");

    private string DataDirectoryOf(int server) => Path.Combine(App.Services.GetRequiredService<RunDirectory>().Path, $"chunks-{server}");

    public override async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        await base.DisposeAsync();
    }
}

/// <summary>An access key and its secret, as <c>POST /api/storage/keys</c> answers.</summary>
public sealed record S3Key(string AccessKeyId, string SecretAccessKey);

[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "storage";
}
