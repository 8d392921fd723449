using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Platform.IntegrationTests.Infrastructure;
using Platform.Storage.Chunks;
using static Platform.IntegrationTests.Storage.ChunkCalls;

namespace Platform.IntegrationTests.Storage;

/// <summary>
/// Seed 004's end-to-end tests of the file API, through the gateway with a user's token: files go in and come back whole
/// (as ranges too), are listed page by page with a cursor, described by their metadata, replaced atomically and deleted
/// with their chunks; what is refused is refused before anything is stored, and another tenant sees nothing.
/// </summary>
[Collection(StorageCollection.Name)]
[Trait("Category", "storage")]
public sealed class FileApiTests(StorageFixture storage, ITestOutputHelper output)
{
    private HttpClient Gateway => storage.Gateway;

    [Fact]
    public async Task A_10_MB_file_goes_in_and_comes_back_whole_in_chunks_on_two_servers_each()
    {
        var key = NewKey();
        var bytes = Bytes(10_000_000, seed: 1);
        using var put = await PutAsync(key, bytes);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var created = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(key, created.GetProperty("key").GetString());
        Assert.Equal(bytes.Length, created.GetProperty("size").GetInt64());
        Assert.Equal(Sha256(bytes), created.GetProperty("sha256").GetString());
        Assert.Equal(3, created.GetProperty("chunks").GetInt32()); // 4 MiB chunks in this graph

        using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());

        var metadata = await MetadataAsync(key);
        Assert.Equal(bytes.Length, metadata.GetProperty("size").GetInt64());
        Assert.Equal(Sha256(bytes), metadata.GetProperty("sha256").GetString());
        var offset = 0L;
        foreach (var chunk in metadata.GetProperty("chunks").EnumerateArray())
        {
            Assert.Equal(offset, chunk.GetProperty("offset").GetInt64());
            offset += chunk.GetProperty("size").GetInt64();
            var servers = chunk.GetProperty("servers").EnumerateArray().Select(s => s.GetString()).ToList();
            Assert.Equal(2, servers.Distinct().Count());
        }

        Assert.Equal(bytes.Length, offset);
    }

    [Fact]
    public async Task A_range_comes_back_as_206_with_exactly_its_bytes_even_across_chunks()
    {
        var key = NewKey();
        var bytes = Bytes(9_000_000, seed: 2);
        (await PutAsync(key, bytes)).Dispose();

        foreach (var (from, to) in new[] { (0L, 99L), (4_194_300L, 4_194_400L), (8_999_990L, 8_999_999L) })
        {
            using var request = Request(HttpMethod.Get, $"/api/storage/files/{key}");
            request.Headers.Range = new RangeHeaderValue(from, to);
            using var response = await Gateway.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(bytes.AsSpan((int)from, (int)(to - from + 1)).ToArray(), await response.Content.ReadAsByteArrayAsync());
        }

        using var past = Request(HttpMethod.Get, $"/api/storage/files/{key}");
        past.Headers.Range = new RangeHeaderValue(9_000_000, null);
        using var unsatisfiable = await Gateway.SendAsync(past);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task A_missing_file_is_a_404_problem_and_a_malformed_key_a_400()
    {
        using var missing = await SendAsync(HttpMethod.Get, $"/api/storage/files/{NewKey()}");
        await missing.AssertProblemAsync(404, "not-found");
        using var metadata = await SendAsync(HttpMethod.Get, $"/api/storage/files/{NewKey()}/metadata");
        await metadata.AssertProblemAsync(404, "not-found");
        using var delete = await SendAsync(HttpMethod.Delete, $"/api/storage/files/{NewKey()}");
        await delete.AssertProblemAsync(404, "not-found");
        using var malformed = await PutAsync("bad%20key", [1, 2, 3]);
        await malformed.AssertProblemAsync(400, "validation");
    }

    [Fact]
    public async Task A_file_over_10_GiB_is_refused_with_413_before_a_byte_is_sent()
    {
        var key = NewKey();
        using var request = Request(HttpMethod.Put, $"/api/storage/files/{key}");
        var body = new NeverSentContent(11L << 30);
        request.Content = body;
        request.Headers.ExpectContinue = true; // the client waits for the server's word before sending the body
        using var response = await Gateway.SendAsync(request);
        await response.AssertProblemAsync(413, "payload-too-large");
        Assert.False(body.Started, "no byte of the body was asked for");
        using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_content_type_outside_the_allowed_list_is_a_415_and_nothing_is_stored()
    {
        var key = NewKey();
        using var put = await PutAsync(key, [1, 2, 3], "application/x-msdownload");
        await put.AssertProblemAsync(415, "unsupported-media-type");
        using var none = await PutAsync(key, [1, 2, 3], contentType: null);
        await none.AssertProblemAsync(415, "unsupported-media-type");
        using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Listing_pages_with_a_cursor_that_neither_repeats_nor_skips_while_files_are_written()
    {
        var prefix = $"list-{Guid.NewGuid():N}-";
        foreach (var name in new[] { "b", "d", "f", "h", "j" })
        {
            (await PutAsync(prefix + name, [1])).Dispose();
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Gateway.SendAsync(HttpMethod.Get, $"/api/storage/files?prefix={prefix}&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}", storage.User.AccessToken);
            var list = await page.Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(list.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("key").GetString()!));
            cursor = list.GetProperty("nextCursor").GetString();
            if (pages++ == 0)
            {
                // Written during the listing: one before the cursor (not listed now), one after it (listed).
                (await PutAsync(prefix + "a", [1])).Dispose();
                (await PutAsync(prefix + "i", [1])).Dispose();
            }
        }
        while (cursor is not null);

        Assert.Equal(["b", "d", "f", "h", "i", "j"], seen.Select(k => k[prefix.Length..]));
        using var bad = await SendAsync(HttpMethod.Get, "/api/storage/files?limit=0");
        await bad.AssertProblemAsync(400, "validation");
        using var forged = await SendAsync(HttpMethod.Get, "/api/storage/files?cursor=%2F%2F%2F");
        await forged.AssertProblemAsync(400, "validation");
    }

    [Fact]
    public async Task A_deleted_file_is_gone_and_its_chunks_leave_their_servers()
    {
        var key = NewKey();
        (await PutAsync(key, Bytes(6_000_000, seed: 3))).Dispose();
        var copies = (await MetadataAsync(key)).GetProperty("chunks").EnumerateArray()
            .SelectMany(c => c.GetProperty("servers").EnumerateArray().Select(s => (Id: c.GetProperty("chunkId").GetString()!, Server: s.GetString()!))).ToList();
        Assert.Equal(4, copies.Count); // two chunks, two copies each
        foreach (var (id, server) in copies)
        {
            Assert.NotNull(await ChunkSizeAsync(server, id));
        }

        using var delete = await SendAsync(HttpMethod.Delete, $"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        foreach (var (id, server) in copies)
        {
            await Eventually.ReturnsAsync(() => ChunkSizeAsync(server, id), size => size is null, TimeSpan.FromSeconds(30), $"chunk {id} leaves {server}");
        }
    }

    [Fact]
    public async Task Overwriting_a_file_swaps_it_whole_and_the_old_chunks_are_removed()
    {
        var key = NewKey();
        var (first, second) = (Bytes(5_000_000, seed: 4), Bytes(7_000_000, seed: 5));
        (await PutAsync(key, first)).Dispose();
        var old = (await MetadataAsync(key)).GetProperty("chunks").EnumerateArray().Select(c => (Id: c.GetProperty("chunkId").GetString()!, Server: c.GetProperty("servers")[0].GetString()!)).ToList();

        // Readers during the overwrite see one version or the other, whole.
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(async _ =>
        {
            var versions = new HashSet<string>();
            while (!stop.IsCancellationRequested)
            {
                using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
                versions.Add(Sha256(await get.Content.ReadAsByteArrayAsync()));
            }

            return versions;
        }).ToList();
        using (var put = await PutAsync(key, second))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        await stop.CancelAsync();
        var seen = (await Task.WhenAll(readers)).SelectMany(v => v).ToHashSet();
        Assert.Subset(new HashSet<string> { Sha256(first), Sha256(second) }, seen);

        using var after = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
        Assert.Equal(second, await after.Content.ReadAsByteArrayAsync());
        foreach (var (id, server) in old)
        {
            await Eventually.ReturnsAsync(() => ChunkSizeAsync(server, id), size => size is null, TimeSpan.FromSeconds(30), $"the replaced chunk {id} leaves {server}");
        }
    }

    [Fact]
    public async Task Another_tenant_cannot_read_list_or_delete_a_file()
    {
        var key = NewKey();
        (await PutAsync(key, [1, 2, 3])).Dispose();
        using var read = await Gateway.SendAsync(HttpMethod.Get, $"/api/storage/files/{key}", storage.OtherTenant.AccessToken);
        await read.AssertProblemAsync(404, "not-found");
        using var delete = await Gateway.SendAsync(HttpMethod.Delete, $"/api/storage/files/{key}", storage.OtherTenant.AccessToken);
        await delete.AssertProblemAsync(404, "not-found");
        var list = await (await Gateway.SendAsync(HttpMethod.Get, $"/api/storage/files?prefix={key}", storage.OtherTenant.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(list.GetProperty("files").EnumerateArray());
        using var anonymous = await Gateway.GetAsync($"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task An_upload_cut_off_midway_leaves_no_file_and_no_chunk()
    {
        var before = await TotalChunksAsync();
        var key = NewKey();
        using var request = Request(HttpMethod.Put, $"/api/storage/files/{key}");
        request.Content = new FailingContent(bytesBeforeFailure: 9_000_000);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await Assert.ThrowsAnyAsync<Exception>(() => Gateway.SendAsync(request));

        await AssertNothingLeftAsync(key, before, TimeSpan.FromSeconds(30), "the cut-off upload's chunks are removed");
    }

    [Fact]
    public async Task With_a_chunk_server_killed_files_still_read_whole_and_new_uploads_go_to_the_others()
    {
        var key = NewKey();
        var bytes = Bytes(12_000_000, seed: 6);
        (await PutAsync(key, bytes)).Dispose();
        var victim = (await MetadataAsync(key)).GetProperty("chunks")[0].GetProperty("servers")[0].GetString()!; // the first copy a reader asks
        await storage.Commands.KillAsync(victim);
        try
        {
            using (var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}"))
            {
                Assert.Equal(HttpStatusCode.OK, get.StatusCode);
                Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync()); // from the other copies
            }

            // Once the storage service has seen the server gone (its health poll), uploads place their chunks elsewhere.
            var placed = await Eventually.ReturnsAsync(
                async () =>
                {
                    var other = NewKey();
                    using var put = await PutAsync(other, Bytes(9_000_000, seed: 7));
                    return put.StatusCode == HttpStatusCode.Created
                        ? (await MetadataAsync(other)).GetProperty("chunks").EnumerateArray().SelectMany(c => c.GetProperty("servers").EnumerateArray().Select(s => s.GetString()!)).ToList()
                        : [];
                },
                servers => servers.Count > 0 && !servers.Contains(victim), TimeSpan.FromSeconds(60), $"an upload avoids {victim}");
            output.WriteLine($"{victim} killed: the file read whole from the other copies; a new upload went to {string.Join(", ", placed.Distinct().Order())}");

            // Once the server has been gone for the graph's repair delay (3 s here), its copies are made again elsewhere.
            var repaired = await Eventually.ReturnsAsync(
                () => MetadataAsync(key),
                metadata => metadata.GetProperty("chunks").EnumerateArray().All(c => ServersOf(c) is var held && !held.Contains(victim) && held.Distinct().Count() == 2),
                TimeSpan.FromSeconds(60), $"{key}'s copies on {victim} replaced");
            await AssertCopiesWholeAsync(repaired);
            output.WriteLine($"its copies were re-replicated: {string.Join("; ", repaired.GetProperty("chunks").EnumerateArray().Select(c => string.Join(",", ServersOf(c))))}");
        }
        finally
        {
            await storage.Commands.StartAsync(victim);
        }
    }

    [Fact]
    public async Task An_upload_whose_storage_process_dies_leaves_no_file_and_its_chunks_are_removed_when_its_lease_runs_out()
    {
        var before = await SettledTotalChunksAsync();
        var key = NewKey();
        var body = new StallingContent(10_000_000); // two whole chunks of 4 MiB, then nothing until released
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/storage/files/{key}") { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", storage.User.AccessToken);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var upload = Gateway.SendAsync(request);
        await Eventually.ReturnsAsync(TotalChunksAsync, total => total >= before + 4, TimeSpan.FromSeconds(60), "the upload's first two chunks on two servers each");
        await storage.Commands.KillAsync("storage");
        body.Release();
        await Record.ExceptionAsync(() => upload); // the gateway answers 502 or the connection drops: the upload is lost either way
        await storage.Commands.StartAsync("storage");

        // Nothing committed the copies, so their lease (20 s in this graph) runs out and the reaper removes them.
        await AssertNothingLeftAsync(key, before, TimeSpan.FromSeconds(90), "the dead upload's chunks removed");
    }

    [Fact]
    public async Task A_chunk_server_killed_in_the_middle_of_a_download_leaves_the_download_whole()
    {
        var key = NewKey();
        var bytes = Bytes(40_000_000, seed: 10); // ten chunks of 4 MiB
        (await PutAsync(key, bytes)).Dispose();
        var victim = ServersOf((await MetadataAsync(key)).GetProperty("chunks")[4])[0]; // the copy a reader asks first for a chunk still ahead
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/storage/files/{key}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", storage.User.AccessToken);
        using var response = await Gateway.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new byte[bytes.Length];
        await body.ReadExactlyAsync(received.AsMemory(0, 12_000_000)); // into the third chunk
        await storage.Commands.KillAsync(victim);
        try
        {
            await body.ReadExactlyAsync(received.AsMemory(12_000_000));
            Assert.Equal(0, await body.ReadAsync(new byte[1]));
            Assert.Equal(Sha256(bytes), Sha256(received));
            output.WriteLine($"{victim} killed 12 MB into a 40 MB download; the rest came from the other copies, whole");
        }
        finally
        {
            await storage.Commands.StartAsync(victim);
        }
    }

    [Fact]
    public async Task A_damaged_copy_is_read_around_then_replaced_by_a_good_one_and_removed()
    {
        var key = NewKey();
        var bytes = Bytes(6_000_000, seed: 9);
        (await PutAsync(key, bytes)).Dispose();
        var chunk = (await MetadataAsync(key)).GetProperty("chunks")[0];
        var chunkId = chunk.GetProperty("chunkId").GetString()!;
        var damaged = ServersOf(chunk)[0]; // the copy a reader asks first
        await using (var file = new FileStream(storage.ChunkFileOf(ServerNumber(damaged), chunkId), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 1_500_000;
            var flipped = (byte)(file.ReadByte() ^ 0xFF);
            file.Position--;
            file.WriteByte(flipped);
        }

        using (var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}"))
        {
            Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync()); // the checksum caught it; the other copy served
        }

        var repaired = await Eventually.ReturnsAsync(
            () => MetadataAsync(key),
            metadata => ServersOf(metadata.GetProperty("chunks")[0]) is var held && !held.Contains(damaged) && held.Distinct().Count() == 2,
            TimeSpan.FromSeconds(30), $"the damaged copy of {chunkId} on {damaged} replaced");
        await AssertCopiesWholeAsync(repaired);
        await Eventually.ReturnsAsync(
            async () => (await Record.ExceptionAsync(() => storage.Chunks(ServerNumber(damaged)).ReadAsync(chunkId)) as RpcException)?.StatusCode, // DataLoss while it is there
            status => status == StatusCode.NotFound, TimeSpan.FromSeconds(30), $"the damaged copy removed from {damaged}");
        output.WriteLine($"{chunkId}: damaged on {damaged}, now on {string.Join(", ", ServersOf(repaired.GetProperty("chunks")[0]))}");
    }

    [Fact]
    public async Task A_files_chunks_are_spread_over_all_six_servers()
    {
        // Placement spreads a file over every healthy server, then favours the least used; earlier tests leave files
        // behind, and one restarts chunks-4, which placement skips until its next health report (every 2 s) reaches the
        // storage service. So the file is uploaded again, under a new key, until placement sees all six.
        var perServer = await Eventually.ReturnsAsync(async () =>
            {
                var key = NewKey();
                (await PutAsync(key, Bytes(48_000_000, seed: 8))).Dispose(); // 12 chunks of 4 MiB, 24 copies
                var spread = (await MetadataAsync(key)).GetProperty("chunks").EnumerateArray()
                    .SelectMany(c => c.GetProperty("servers").EnumerateArray().Select(s => s.GetString()!))
                    .GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
                output.WriteLine(string.Join(", ", spread.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
                return spread; // left in place, as every test's files are: removing them would change the chunk totals later tests settle on
            },
            spread => spread.Count == 6, TimeSpan.FromSeconds(60), "a file's copies on all six servers");
        // None a lion's share (the seed's max/min <= 2 holds on empty servers).
        Assert.True(perServer.Values.Max() <= 24 * 4 / 10, "no server holds more than 40 % of the copies");
    }

    [Fact]
    public async Task Uploads_downloads_and_deletes_at_once_each_end_as_asked_with_no_server_error()
    {
        var existing = Enumerable.Range(0, 20).Select(i => (Key: NewKey(), Bytes: Bytes(1_500_000 + i * 1000, seed: 200 + i))).ToList();
        await Task.WhenAll(existing.Select(async f => (await PutAsync(f.Key, f.Bytes)).Dispose()));
        var fresh = Enumerable.Range(0, 20).Select(i => (Key: NewKey(), Bytes: Bytes(2_000_000 + i * 1000, seed: 300 + i))).ToList();
        var (toRead, toDelete) = (existing[..10], existing[10..]);

        var uploads = fresh.Select(async f =>
        {
            using var put = await PutAsync(f.Key, f.Bytes);
            return put.StatusCode;
        });
        var downloads = toRead.Concat(toRead).Select(async f =>
        {
            using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{f.Key}");
            return get.StatusCode == HttpStatusCode.OK && (await get.Content.ReadAsByteArrayAsync()).AsSpan().SequenceEqual(f.Bytes) ? HttpStatusCode.OK : get.StatusCode;
        });
        var deletes = toDelete.Select(async f =>
        {
            using var delete = await SendAsync(HttpMethod.Delete, $"/api/storage/files/{f.Key}");
            return delete.StatusCode;
        });
        var statuses = await Task.WhenAll(uploads.Concat(downloads).Concat(deletes));

        Assert.Equal(fresh.Count, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(toRead.Count * 2, statuses.Count(s => s == HttpStatusCode.OK)); // every download whole
        Assert.Equal(toDelete.Count, statuses.Count(s => s == HttpStatusCode.NoContent));
        foreach (var (key, bytes) in fresh)
        {
            using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
            Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
        }

        foreach (var (key, _) in toDelete)
        {
            using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
    }

    [Fact]
    public async Task Two_hundred_concurrent_metadata_requests_stay_within_the_database_pool_with_no_server_error()
    {
        var key = NewKey();
        (await PutAsync(key, Bytes(100_000, seed: 400))).Dispose();
        const int pool = ServiceDefaults.Clients.NpgsqlClientExtensions.RequestPoolSize;
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, await storage.QueryScalarAsync<long>("postgres",
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'storagedb'"));
                await Task.Delay(20, CancellationToken.None);
            }
        });
        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await SendAsync(HttpMethod.Get, i % 2 == 0 ? $"/api/storage/files/{key}/metadata" : "/api/storage/files?limit=10");
            return response.StatusCode;
        }));
        await sampling.CancelAsync();
        await sampler;

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        output.WriteLine($"200 concurrent metadata and listing requests: all 200 OK; storagedb sessions peaked at {peak} (pool maximum {pool})");
        Assert.InRange(peak, 1, pool + 1); // the request pool, and the one connection of the repair on the worker's pool
    }

    [Fact]
    public async Task Fifty_concurrent_uploads_then_a_hundred_concurrent_downloads_all_come_back_whole()
    {
        // The seed's concurrency tests (50 uploads, 100 downloads), with files of 0.2 to 1.2 MB.
        var files = Enumerable.Range(0, 50).Select(i => (Key: NewKey(), Bytes: Bytes(200_000 + (i * 20_000), seed: 100 + i))).ToList();
        // As clients that honour 503 + Retry-After: the machine may shed part of the burst, and must lose or damage none of it.
        var puts = await Task.WhenAll(files.Select(async f =>
        {
            using var put = await Overload.SendIdempotentAsync(Gateway, () => PutRequest(f.Key, f.Bytes), TimeSpan.FromMinutes(1));
            return put.StatusCode;
        }));
        Assert.All(puts, status => Assert.Equal(HttpStatusCode.Created, status));
        var gets = await Task.WhenAll(files.Concat(files).Select(async f =>
        {
            using var get = await Overload.SendIdempotentAsync(Gateway, () => Request(HttpMethod.Get, $"/api/storage/files/{f.Key}"), TimeSpan.FromMinutes(1));
            var body = await get.Content.ReadAsByteArrayAsync();
            return Sha256(body) == Sha256(f.Bytes) ? "whole" : $"{(int)get.StatusCode} with {body.Length} of {f.Bytes.Length} bytes: {System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300))}";
        }));
        Assert.All(gets, outcome => Assert.Equal("whole", outcome));
        output.WriteLine($"{files.Count} uploads, {gets.Length} downloads, all whole");
    }

    private static string[] ServersOf(JsonElement chunk) => chunk.GetProperty("servers").EnumerateArray().Select(s => s.GetString()!).ToArray();

    private static int ServerNumber(string server) => int.Parse(server["chunks-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every copy of every chunk of the file, read straight from its server, has the chunk's SHA-256.</summary>
    private async Task AssertCopiesWholeAsync(JsonElement metadata)
    {
        foreach (var chunk in metadata.GetProperty("chunks").EnumerateArray())
        {
            foreach (var server in ServersOf(chunk))
            {
                Assert.Equal(chunk.GetProperty("sha256").GetString(), Sha256(await storage.Chunks(ServerNumber(server)).ReadAsync(chunk.GetProperty("chunkId").GetString()!)));
            }
        }
    }

    private static string NewKey() => $"file-{Guid.NewGuid():N}.bin";

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", storage.User.AccessToken);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path)
    {
        using var request = Request(method, path);
        return await Gateway.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PutAsync(string key, byte[] bytes, string? contentType = "application/octet-stream")
    {
        using var request = PutRequest(key, bytes, contentType);
        return await Gateway.SendAsync(request);
    }

    private HttpRequestMessage PutRequest(string key, byte[] bytes, string? contentType = "application/octet-stream")
    {
        var request = Request(HttpMethod.Put, $"/api/storage/files/{key}");
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        return request;
    }

    private async Task<JsonElement> MetadataAsync(string key)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}/metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The chunk's size on that server, or null when the server has no such chunk.</summary>
    private async Task<long?> ChunkSizeAsync(string server, string chunkId)
    {
        try
        {
            return (await storage.Chunks(ServerNumber(server)).ReadAsync(chunkId)).Length;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A failed upload left no file, and the chunk servers hold as many chunks as before it (within a deadline).</summary>
    private async Task AssertNothingLeftAsync(string key, long chunksBefore, TimeSpan within, string what)
    {
        await Eventually.ReturnsAsync(TotalChunksAsync, total => total == chunksBefore, within, what);
        using var get = await SendAsync(HttpMethod.Get, $"/api/storage/files/{key}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    /// <summary>The chunk servers' total once earlier tests' removals have drained: two reads a second apart agree.</summary>
    private Task<long> SettledTotalChunksAsync() =>
        Eventually.SettledAsync(TotalChunksAsync, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "the chunk servers' total");

    private async Task<long> TotalChunksAsync()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i => (await storage.Chunks(i).HealthCheckAsync(new HealthCheckRequest())).ChunkCount));
        return counts.Sum();
    }

    /// <summary>A body that announces its length and records whether anyone started reading it.</summary>
    private sealed class NeverSentContent(long length) : HttpContent
    {
        public bool Started { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Started = true;
            return Task.FromException(new InvalidOperationException("The body of a refused upload was asked for."));
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }

    /// <summary>A chunked body that sends some bytes, then waits until released, then fails.</summary>
    private sealed class StallingContent(int bytesBeforeStall) : HttpContent
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var block = new byte[64 * 1024];
            for (var sent = 0; sent < bytesBeforeStall; sent += block.Length)
            {
                await stream.WriteAsync(block);
            }

            await stream.FlushAsync();
            await _released.Task;
            throw new IOException("The client went away.");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A chunked body that sends some bytes, then fails: a client that goes away in the middle of an upload.</summary>
    private sealed class FailingContent(int bytesBeforeFailure) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var block = new byte[64 * 1024];
            for (var sent = 0; sent < bytesBeforeFailure; sent += block.Length)
            {
                await stream.WriteAsync(block);
                await stream.FlushAsync();
            }

            throw new IOException("The client went away.");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
