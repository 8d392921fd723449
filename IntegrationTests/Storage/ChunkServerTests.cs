using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Platform.IntegrationTests.Infrastructure;
using Platform.Storage.Chunks;
using static Platform.IntegrationTests.Storage.ChunkCalls;

namespace Platform.IntegrationTests.Storage;

/// <summary>
/// Seed 004's gRPC tests, straight at the chunk servers of the graph: chunks stream in and out whole (1 GB among them),
/// ranges come back exactly, bad ids and unknown chunks get their status codes, the quota holds, concurrent writers of one
/// id store one copy, a damaged block is caught on the way out, and a chunk outlives a restart of its server.
/// </summary>
[Collection(StorageCollection.Name)]
[Trait("Category", "storage")]
public sealed class ChunkServerTests(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task A_chunk_of_1_GB_streams_in_and_back_out_whole()
    {
        var chunks = storage.Chunks(0);
        var id = NewId();
        const long size = 1L << 30;
        var clock = Stopwatch.StartNew();
        var (reply, sha256) = await PutGeneratedAsync(chunks, id, size, seed: 1);
        var written = clock.Elapsed;
        Assert.Equal(size, reply.Size);
        Assert.Equal(sha256, reply.Sha256.ToByteArray());

        clock.Restart();
        var (read, readSha256) = await HashAsync(chunks, id);
        var readBack = clock.Elapsed;
        Assert.Equal(size, read);
        Assert.Equal(sha256, readSha256);
        output.WriteLine($"1 GiB chunk: put {size / written.TotalSeconds / 1e6:0} MB/s, get {size / readBack.TotalSeconds / 1e6:0} MB/s (test client and server on the same 2 cores)");
        await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
    }

    [Fact]
    public async Task A_range_of_a_chunk_comes_back_exactly()
    {
        var chunks = storage.Chunks(1);
        var id = NewId();
        var bytes = Bytes((3 << 20) + 123, seed: 2);
        await chunks.PutAsync(id, bytes);

        // Whole, a range past the end (cut at the end), the last bytes, nothing at the very end, two bytes across a block boundary.
        foreach (var (offset, length) in new[] { (0L, 0L), (1_000_000L, 2_200_000L), (bytes.Length - 10L, 0L), (bytes.Length, 0L), ((1L << 20) - 1, 2L) })
        {
            var expected = bytes.AsSpan((int)offset, length == 0 ? bytes.Length - (int)offset : (int)Math.Min(length, bytes.Length - offset)).ToArray();
            Assert.Equal(expected, await chunks.ReadAsync(id, offset, length));
        }

        var past = await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id, bytes.Length + 1, 0));
        Assert.Equal(StatusCode.OutOfRange, past.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task A_malformed_chunk_id_is_invalid_argument_on_every_call(string id)
    {
        var chunks = storage.Chunks(2);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => chunks.PutAsync(id, [1, 2, 3]))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(async () => await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id }))).StatusCode);
    }

    [Fact]
    public async Task An_unknown_chunk_is_not_found_to_read_and_to_delete()
    {
        var chunks = storage.Chunks(2);
        var id = NewId();
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(async () => await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id }))).StatusCode);
    }

    [Fact]
    public async Task Health_reports_the_space_and_count_and_a_deleted_chunk_gives_its_space_back()
    {
        var chunks = storage.Chunks(3);
        var health = await chunks.HealthCheckAsync(new HealthCheckRequest());
        Assert.Equal("chunks-3", health.Server);
        Assert.True(health.TotalBytes >= health.FreeBytes && health.FreeBytes > 0, $"total {health.TotalBytes}, free {health.FreeBytes}");

        // The server's count and space are its chunk files on disk, with the new chunk and after its deletion (its own
        // count before and after would race the graph's reaper, which removes other chunks at any moment).
        var id = NewId();
        await chunks.PutAsync(id, Bytes(5 << 20, seed: 3));
        Assert.True(new FileInfo(storage.ChunkFileOf(3, id)).Length >= 5 << 20);
        var (server, disk) = await storage.AccountingAndDiskAsync(3);
        Assert.Equal(disk, server);

        await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id))).StatusCode);
        Assert.False(File.Exists(storage.ChunkFileOf(3, id)));
        (server, disk) = await storage.AccountingAndDiskAsync(3);
        Assert.Equal(disk, server);
    }

    [Fact]
    public async Task A_chunk_larger_than_the_quota_is_refused_and_nothing_is_stored()
    {
        var chunks = storage.Chunks(4);
        var id = NewId();
        var refused = await Assert.ThrowsAsync<RpcException>(() => chunks.PutAsync([new PutChunkRequest { Header = new ChunkHeader { ChunkId = id, ExpectedSize = 9L << 30 } }]));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        // Not the server's chunk count: the graph's reaper and repair change it in the background. This chunk is not there.
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id))).StatusCode);
        Assert.False(File.Exists(storage.ChunkFileOf(4, id)));
    }

    [Fact]
    public async Task A_stream_shorter_than_its_header_announced_is_refused_and_nothing_is_stored()
    {
        var chunks = storage.Chunks(3);
        var id = NewId();
        using var call = chunks.PutChunk();
        await call.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = id, ExpectedSize = 2 * MessageBytes } });
        await call.RequestStream.WriteAsync(new PutChunkRequest { Data = ByteString.CopyFrom(new byte[MessageBytes]) });
        await call.RequestStream.CompleteAsync();
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode);
        Assert.False(File.Exists(storage.ChunkFileOf(3, id)));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_id_store_one_whole_copy_and_other_bytes_under_it_are_refused()
    {
        var chunks = storage.Chunks(5);
        var id = NewId();
        var bytes = Bytes(4 << 20, seed: 5);
        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => chunks.PutAsync(id, bytes)));
        Assert.All(replies, r => Assert.Equal(SHA256.HashData(bytes), r.Sha256.ToByteArray()));
        // Counted once: the server's count and space are its files on disk (the background reaper changes both, so the
        // server's count before and after would race it).
        var (server, disk) = await storage.AccountingAndDiskAsync(5);
        Assert.Equal(disk, server);

        var other = await Assert.ThrowsAsync<RpcException>(() => chunks.PutAsync(id, Bytes(4 << 20, seed: 6)));
        Assert.Equal(StatusCode.AlreadyExists, other.StatusCode);
        Assert.Equal(bytes, await chunks.ReadAsync(id));
        await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
    }

    [Fact]
    public async Task Ten_concurrent_streams_to_one_server_all_arrive_whole()
    {
        var chunks = storage.Chunks(0);
        var writes = Enumerable.Range(0, 10).Select(async i =>
        {
            var (id, bytes) = (NewId(), Bytes(8 << 20, seed: 100 + i));
            var reply = await chunks.PutAsync(id, bytes);
            return (id, bytes, reply);
        });
        foreach (var (id, bytes, reply) in await Task.WhenAll(writes))
        {
            Assert.Equal(SHA256.HashData(bytes), reply.Sha256.ToByteArray());
            Assert.Equal(bytes, await chunks.ReadAsync(id));
            await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
        }
    }

    [Fact]
    public async Task A_damaged_block_is_refused_with_data_loss_and_the_blocks_around_it_still_read()
    {
        var chunks = storage.Chunks(1);
        var id = NewId();
        var bytes = Bytes(3 << 20, seed: 7);
        await chunks.PutAsync(id, bytes);
        await using (var file = new FileStream(storage.ChunkFileOf(1, id), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = (1 << 20) + 1000; // inside the second 1 MiB block
            var flipped = (byte)(file.ReadByte() ^ 0xFF);
            file.Position--;
            file.WriteByte(flipped);
        }

        Assert.Equal(StatusCode.DataLoss, (await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id))).StatusCode);
        Assert.Equal(bytes.AsSpan(0, 1 << 20).ToArray(), await chunks.ReadAsync(id, 0, 1 << 20));
        Assert.Equal(bytes.AsSpan(2 << 20).ToArray(), await chunks.ReadAsync(id, 2 << 20, 0));
        await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
    }

    [Fact]
    public async Task An_interrupted_write_leaves_no_chunk_and_no_space_taken()
    {
        var chunks = storage.Chunks(2);
        var id = NewId();
        using (var cancel = new CancellationTokenSource())
        using (var call = chunks.PutChunk(cancellationToken: cancel.Token))
        {
            await call.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = id, ExpectedSize = 64 << 20 } });
            var block = new byte[MessageBytes];
            for (var i = 0; i < 16; i++)
            {
                await call.RequestStream.WriteAsync(new PutChunkRequest { Data = ByteString.CopyFrom(block) });
            }

            await cancel.CancelAsync(); // the writer goes away mid-chunk
            await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);
        }

        // Total = used + free + reserved: nothing reserved any more, nothing more used, no temporary file left.
        await Eventually.ReturnsAsync(() => chunks.HealthCheckAsync(new HealthCheckRequest()).ResponseAsync,
            health => health.TotalBytes - health.FreeBytes - health.UsedBytes == 0, TimeSpan.FromSeconds(30), "the interrupted write's reservation is released");
        var (server, disk) = await storage.AccountingAndDiskAsync(2);
        Assert.Equal(disk, server);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => chunks.ReadAsync(id))).StatusCode);
        var temporary = storage.TemporaryFolderOf(2);
        await Eventually.ReturnsAsync(() => Task.FromResult(Directory.EnumerateFiles(temporary, $"{id}.*").Count()), count => count == 0,
            TimeSpan.FromSeconds(30), "the interrupted write's temporary file is removed");
    }

    [Fact]
    public async Task A_chunk_outlives_a_restart_of_its_server()
    {
        var id = NewId();
        var bytes = Bytes(2 << 20, seed: 8);
        await storage.Chunks(4).PutAsync(id, bytes);
        await storage.Commands.RestartAsync("chunks-4");
        await storage.Commands.WaitForHealthyAsync("chunks-4");

        var chunks = storage.Chunks(4);
        var back = await Eventually.ReturnsAsync(async () => await chunks.ReadAsync(id), read => read.Length == bytes.Length,
            TimeSpan.FromSeconds(30), "the restarted server serves the chunk");
        Assert.Equal(bytes, back);
        Assert.True((await chunks.HealthCheckAsync(new HealthCheckRequest())).ChunkCount >= 1);
        await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Streams <paramref name="size"/> deterministic bytes; returns the reply and the SHA-256 of what was sent.</summary>
    private static async Task<(PutChunkReply Reply, byte[] Sha256)> PutGeneratedAsync(ChunkStore.ChunkStoreClient chunks, string id, long size, int seed)
    {
        var random = new Random(seed);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var call = chunks.PutChunk();
        await call.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = id, ExpectedSize = size } });
        var block = new byte[MessageBytes];
        for (var sent = 0L; sent < size; sent += block.Length)
        {
            random.NextBytes(block);
            sha256.AppendData(block);
            await call.RequestStream.WriteAsync(new PutChunkRequest { Data = UnsafeByteOperations.UnsafeWrap(block) });
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync, sha256.GetHashAndReset());
    }

    /// <summary>Reads a chunk through, hashing as it comes (a 1 GiB chunk is never held whole).</summary>
    private static async Task<(long Bytes, byte[] Sha256)> HashAsync(ChunkStore.ChunkStoreClient chunks, string id)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var total = 0L;
        using var call = chunks.GetChunk(new GetChunkRequest { ChunkId = id });
        await foreach (var data in call.ResponseStream.ReadAllAsync())
        {
            sha256.AppendData(data.Data.Span);
            total += data.Data.Length;
        }

        return (total, sha256.GetHashAndReset());
    }
}
