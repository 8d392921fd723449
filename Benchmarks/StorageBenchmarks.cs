using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Hosting.Processes;
using Platform.Storage.Chunks;

namespace Platform.Benchmarks;

/// <summary>
/// Object storage's throughput and memory next to baselines measured in the same run: a file of 1 GB and of 5 GB written
/// to and read from disk directly, copied over loopback HTTP by a server with no storage logic, and uploaded and
/// downloaded through the gateway's file API (the storage service's peak RSS sampled while it moves); a 1 GiB chunk
/// straight over gRPC to one chunk server; metadata and listing latency next to a static document through the same gateway.
/// </summary>
internal static class StorageBenchmarks
{
    private const int Block = 1 << 20;
    private static readonly long[] Sizes = [1_000_000_000, 5_000_000_000];

    public static async Task RunAsync(DistributedApplication app, int runs)
    {
        using var gateway = app.CreateHttpClient("gateway");
        gateway.Timeout = Timeout.InfiniteTimeSpan;
        await using var authdb = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("authdb"))!);
        var token = await Registrations.SignUpAsync(gateway, authdb, $"bench-storage-{Guid.NewGuid():N}@example.com");
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var control = app.Control();
        var storagePid = ProcessCommands.ProcessId(await control.SnapshotAsync((await control.ReplicasAsync("storage"))[0]))
            ?? throw new InvalidOperationException("The storage service has no process id.");
        await using var loopback = await LoopbackServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("platform-bench-storage-");
        var rows = new List<(string Name, double MBps, string Versus)>();
        Console.WriteLine();
        try
        {
            foreach (var size in Sizes)
            {
                var gb = $"{size / 1e9:0} GB";
                var file = Path.Combine(folder.FullName, "baseline.bin");
                var diskWrite = Rate(size, await TimeAsync(async () =>
                {
                    await using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, Block, FileOptions.Asynchronous);
                    await new GeneratedContent(size).CopyToAsync(stream);
                    stream.Flush(flushToDisk: true);
                }));
                var diskRead = Rate(size, await TimeAsync(async () =>
                {
                    await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, Block, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    await stream.CopyToAsync(Stream.Null, Block);
                }));
                File.Delete(file);
                var httpUp = Rate(size, await TimeAsync(() => PutAsync(loopback.Client, "/sink", size)));
                var httpDown = Rate(size, await TimeAsync(() => GetAsync(loopback.Client, $"/source/{size}", size)));

                var key = $"bench-{Guid.NewGuid():N}.bin";
                using var upSampler = new PeakMemory(storagePid);
                var up = Rate(size, await TimeAsync(() => PutAsync(gateway, $"/api/storage/files/{key}", size)));
                var upPeak = upSampler.Stop();
                using var downSampler = new PeakMemory(storagePid);
                var down = Rate(size, await TimeAsync(() => GetAsync(gateway, $"/api/storage/files/{key}", size)));
                var downPeak = downSampler.Stop();
                (await gateway.DeleteAsync($"/api/storage/files/{key}")).EnsureSuccessStatusCode();

                rows.Add(($"disk write {gb} (baseline, fsync)", diskWrite, ""));
                rows.Add(($"disk read {gb} (baseline, page cache)", diskRead, ""));
                rows.Add(($"loopback HTTP upload {gb} (baseline)", httpUp, "1.00"));
                rows.Add(($"loopback HTTP download {gb} (baseline)", httpDown, "1.00"));
                rows.Add(($"storage upload {gb} via gateway (RF 2)", up, $"{up / httpUp:0.00}"));
                rows.Add(($"storage download {gb} via gateway", down, $"{down / httpDown:0.00}"));
                rows.Add(($"  storage RSS peak: upload {upPeak:0} MiB, download {downPeak:0} MiB", double.NaN, ""));
            }

            using var channel = GrpcChannel.ForAddress(app.GetEndpoint("chunks-0", "http"));
            var chunks = new ChunkStore.ChunkStoreClient(channel);
            const long ChunkBytes = 1L << 30;
            var chunkId = Guid.NewGuid().ToString("N");
            var put = Rate(ChunkBytes, await TimeAsync(() => PutChunkAsync(chunks, chunkId, ChunkBytes)));
            var get = Rate(ChunkBytes, await TimeAsync(async () =>
            {
                using var call = chunks.GetChunk(new GetChunkRequest { ChunkId = chunkId });
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }));
            await chunks.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = chunkId });
            rows.Add(("PutChunk 1 GiB straight over gRPC", put, ""));
            rows.Add(("GetChunk 1 GiB straight over gRPC", get, ""));
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        Console.WriteLine($"{"transfer",-52} {"MB/s",8} {"vs loopback",12}");
        foreach (var (name, rate, versus) in rows)
        {
            Console.WriteLine(double.IsNaN(rate) ? name : $"{name,-52} {rate,8:0.0} {versus,12}");
        }

        var small = $"bench-meta-{Guid.NewGuid():N}.bin";
        await PutAsync(gateway, $"/api/storage/files/{small}", 100_000);
        var baseline = await Measure.LatencyAsync(runs, async _ => (await gateway.GetAsync("/.well-known/jwks.json")).Dispose());
        var metadata = await Measure.LatencyAsync(runs, async _ => (await gateway.GetAsync($"/api/storage/files/{small}/metadata")).EnsureSuccessStatusCode().Dispose());
        var listing = await Measure.LatencyAsync(runs, async _ => (await gateway.GetAsync("/api/storage/files?limit=100")).EnsureSuccessStatusCode().Dispose());
        (await gateway.DeleteAsync($"/api/storage/files/{small}")).EnsureSuccessStatusCode();
        Console.WriteLine();
        Console.WriteLine($"{"operation (" + runs + " sequential runs, through the gateway)",-52} {"p50 ms",8} {"p99 ms",8}");
        Console.WriteLine($"{"GET jwks, a static document (baseline)",-52} {baseline.P50,8:0.00} {baseline.P99,8:0.00}");
        Console.WriteLine($"{"GET a file's metadata",-52} {metadata.P50,8:0.00} {metadata.P99,8:0.00}");
        Console.WriteLine($"{"GET a page of 100 files",-52} {listing.P50,8:0.00} {listing.P99,8:0.00}");
    }

    private static async Task PutAsync(HttpClient client, string path, long size)
    {
        using var content = new GeneratedContent(size);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PutAsync(path, content);
        response.EnsureSuccessStatusCode();
    }

    private static async Task GetAsync(HttpClient client, string path, long size)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[Block];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        if (total != size)
        {
            throw new InvalidOperationException($"{path} gave {total} bytes, not {size}.");
        }
    }

    private static async Task PutChunkAsync(ChunkStore.ChunkStoreClient chunks, string chunkId, long size)
    {
        using var call = chunks.PutChunk();
        await call.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = chunkId, ExpectedSize = size } });
        var block = GeneratedContent.Pattern.AsMemory(0, 64 * 1024);
        for (long sent = 0; sent < size; sent += block.Length)
        {
            await call.RequestStream.WriteAsync(new PutChunkRequest { Data = UnsafeByteOperations.UnsafeWrap(block) });
        }

        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> operation)
    {
        var started = Stopwatch.GetTimestamp();
        await operation();
        return Stopwatch.GetElapsedTime(started);
    }

    private static double Rate(long bytes, TimeSpan elapsed) => bytes / 1e6 / elapsed.TotalSeconds;

    /// <summary>A body of the given size from one random 1 MiB block repeated, produced as it is sent.</summary>
    private sealed class GeneratedContent(long size) : HttpContent
    {
        public static readonly byte[] Pattern = Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), Block);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var left = size; left > 0; left -= Block)
            {
                await stream.WriteAsync(Pattern.AsMemory(0, (int)Math.Min(Block, left)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return true;
        }
    }

    /// <summary>The loopback baseline: a Kestrel server that drains a PUT's body and streams N generated bytes for a GET, nothing else.</summary>
    private sealed class LoopbackServer(WebApplication server, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client { get; } = client;

        public static async Task<LoopbackServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, 0);
                k.Limits.MaxRequestBodySize = null;
            });
            var server = builder.Build();
            server.MapPut("/sink", async (HttpContext context) =>
            {
                var buffer = new byte[Block];
                while (await context.Request.Body.ReadAsync(buffer) > 0)
                {
                }

                return Results.NoContent();
            });
            server.MapGet("/source/{size:long}", (long size) => Results.Stream(async body =>
            {
                for (var left = size; left > 0; left -= Block)
                {
                    await body.WriteAsync(GeneratedContent.Pattern.AsMemory(0, (int)Math.Min(Block, left)));
                }
            }, "application/octet-stream"));
            await server.StartAsync();
            var address = server.Urls.First();
            return new LoopbackServer(server, new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout.InfiniteTimeSpan });
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await server.StopAsync();
            await server.DisposeAsync();
        }
    }
}
