using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Platform.Hosting.Processes;
using Platform.IntegrationTests.Infrastructure;
using Platform.Storage.Chunks;

namespace Platform.IntegrationTests.Storage;

/// <summary>
/// The seed's slow tests (category <c>storage-large</c>, not in the default run: <c>./platform test storage-large</c>,
/// about 15 minutes and 21 GiB of free disk): a 5 GB file round trip, the 10 GiB boundary (exactly 10 GiB accepted,
/// one byte more refused as it arrives), and a 1.67 GB chunk through one chunk server. Each prints its throughput and
/// the peak memory of the process that moved the bytes, which is asserted to stay far below the bytes moved.
/// </summary>
[Collection(StorageCollection.Name)]
[Trait("Category", "storage-large")]
public sealed class StorageLargeTests(StorageFixture storage, ITestOutputHelper output)
{
    private const long TenGiB = 10L << 30;
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task A_5_GB_file_goes_in_and_comes_back_whole_in_bounded_memory()
    {
        const long Size = 5_000_000_000;
        var key = $"large-{Guid.NewGuid():N}.bin";
        using var client = Client();
        using var sampler = await PeakMemoryOfAsync("storage");
        var body = new GeneratedBody(Size, announceLength: true);
        var clock = Stopwatch.StartNew();
        using (var put = await client.PutAsync($"/api/storage/files/{key}", body))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal(body.Sha256, (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sha256").GetString());
        }

        var up = clock.Elapsed;
        clock.Restart();
        using (var get = await client.GetAsync($"/api/storage/files/{key}", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            await using var stream = await get.Content.ReadAsStreamAsync();
            Assert.Equal(body.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)));
        }

        var down = clock.Elapsed;
        var peak = sampler.Stop();
        (await client.DeleteAsync($"/api/storage/files/{key}")).Dispose();
        output.WriteLine($"5 GB: up {Size / 1e6 / up.TotalSeconds:0} MB/s, down {Size / 1e6 / down.TotalSeconds:0} MB/s; storage service RSS peak {peak:0} MiB");
        Assert.True(peak < 512, $"The storage service peaked at {peak:0} MiB while moving 5 GB: it holds bytes it should stream.");
    }

    [Fact]
    public async Task Exactly_10_GiB_is_accepted_and_one_byte_more_sent_chunked_is_refused_as_it_arrives_leaving_nothing()
    {
        var key = $"boundary-{Guid.NewGuid():N}.bin";
        using var client = Client();
        var exact = new GeneratedBody(TenGiB, announceLength: true);
        using (var put = await client.PutAsync($"/api/storage/files/{key}", exact))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal(TenGiB, (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("size").GetInt64());
        }

        (await client.DeleteAsync($"/api/storage/files/{key}")).Dispose(); // 20 GiB on disk at two copies: give it back first

        var over = $"over-{Guid.NewGuid():N}.bin";
        var tooMuch = new GeneratedBody(TenGiB + 1, announceLength: false);
        HttpStatusCode? status = null;
        try
        {
            using var refused = await client.PutAsync($"/api/storage/files/{over}", tooMuch);
            status = refused.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The service answered 413 and closed the connection while the client was still sending: refused either way.
        }

        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"A body over 10 GiB got {status}.");
        Assert.True(tooMuch.Sent <= TenGiB + (64L << 20), $"{tooMuch.Sent} bytes were sent before the refusal.");
        using var missing = await client.GetAsync($"/api/storage/files/{over}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        output.WriteLine($"10 GiB accepted; 10 GiB + 1 refused after {tooMuch.Sent / (double)(1 << 30):0.00} GiB sent");
    }

    [Fact]
    public async Task A_1_67_GB_chunk_streams_through_one_chunk_server_in_bounded_memory()
    {
        const long Size = 1_670_000_000;
        var chunks = storage.Chunks(3);
        var id = Guid.NewGuid().ToString("N");
        using var sampler = await PeakMemoryOfAsync("chunks-3");
        var block = RandomNumberGenerator.GetBytes(64 * 1024);
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var call = chunks.PutChunk())
        {
            await call.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = id, ExpectedSize = Size } });
            for (var left = Size; left > 0; left -= block.Length)
            {
                var piece = block.AsMemory(0, (int)Math.Min(block.Length, left));
                sent.AppendData(piece.Span);
                await call.RequestStream.WriteAsync(new PutChunkRequest { Data = UnsafeByteOperations.UnsafeWrap(piece) });
            }

            await call.RequestStream.CompleteAsync();
            Assert.Equal(Size, (await call.ResponseAsync).Size);
        }

        using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var read = chunks.GetChunk(new GetChunkRequest { ChunkId = id }))
        {
            await foreach (var message in read.ResponseStream.ReadAllAsync())
            {
                received.AppendData(message.Data.Span);
            }
        }

        var peak = sampler.Stop();
        await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = id });
        Assert.Equal(sent.GetHashAndReset(), received.GetHashAndReset());
        output.WriteLine($"1.67 GB chunk in and out whole; chunks-3 RSS peak {peak:0} MiB");
        Assert.True(peak < 512, $"The chunk server peaked at {peak:0} MiB for a 1.67 GB chunk: it holds it in memory.");
    }

    private HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = storage.Gateway.BaseAddress, Timeout = Long };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", storage.User.AccessToken);
        return client;
    }

    /// <summary>A body of pseudo-random bytes made as it is sent, hashed on the way; with or without a Content-Length.</summary>
    private sealed class GeneratedBody : HttpContent
    {
        private readonly long _size;
        private readonly bool _announceLength;

        public GeneratedBody(long size, bool announceLength)
        {
            (_size, _announceLength) = (size, announceLength);
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        public string Sha256 { get; private set; } = "";

        public long Sent { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var blocks = Enumerable.Range(0, 8).Select(i => RandomNumberGenerator.GetBytes(1 << 20)).ToArray();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var i = 0; Sent < _size; i++)
            {
                var piece = blocks[i % blocks.Length].AsMemory(0, (int)Math.Min(1 << 20, _size - Sent));
                hash.AppendData(piece.Span);
                await stream.WriteAsync(piece);
                Sent += piece.Length;
            }

            Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _size;
            return _announceLength;
        }
    }

    /// <summary>Samples the peak memory of one resource's process from now on.</summary>
    private async Task<PeakMemory> PeakMemoryOfAsync(string resource)
    {
        var replica = (await storage.Commands.ReplicasAsync(resource))[0];
        return new PeakMemory(ProcessCommands.ProcessId(await storage.Commands.SnapshotAsync(replica)) ?? throw new InvalidOperationException($"{replica} has no process id."));
    }
}
