using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Platform.Storage.Chunks;

namespace Platform.Storage;

/// <summary>The body passed the largest object allowed (<see cref="ObjectWriter.MaxObjectBytes"/>).</summary>
internal sealed class ObjectTooLargeException() : Exception($"An object is at most {ObjectWriter.MaxObjectBytes} bytes.");

/// <summary>
/// Bytes an upload wrote, stored on their chunk servers but not yet part of any object: its version id, size, SHA-256,
/// MD5 (when asked for: S3's ETag) and chunks.
/// </summary>
public sealed record WrittenBytes(Guid VersionId, long Size, string Sha256, string? Md5, IReadOnlyList<StoredChunk> Chunks);

/// <summary>
/// Streams an upload into chunks of <c>Storage:ChunkSize</c> (64 MiB), each written to <c>Storage:ReplicationFactor</c>
/// (2) chunk servers at once, 64 KiB at a time: the slower copy paces the client, and memory stays one buffer whatever
/// the object's size. The object's SHA-256 is computed on the way. Only once every chunk is stored on all its servers,
/// with the same SHA-256, does the caller's commit run (<see cref="ObjectStore.CommitAsync"/>, or a multipart upload's
/// part); an upload that fails, is cancelled, refused, or whose commit throws queues every copy it wrote for removal,
/// and leaves no object; a storage process that dies mid-way leaves its copies to the reaper when their lease runs out
/// (<see cref="ObjectStore.LeaseAsync"/>).
/// </summary>
internal sealed class ObjectWriter(ChunkServers servers, ObjectStore store, IConfiguration configuration)
{
    /// <summary>10 GiB.</summary>
    public const long MaxObjectBytes = 10L << 30;

    private const int MessageBytes = 64 * 1024;

    private static readonly string[] DefaultContentTypes =
        ["application/octet-stream", "application/json", "application/pdf", "application/zip", "text/plain", "text/csv", "image/png", "image/jpeg", "video/mp4"];

    private readonly long _chunkSize = configuration.GetValue("Storage:ChunkSize", 64L << 20);
    private readonly int _copies = configuration.GetValue("Storage:ReplicationFactor", 2);

    /// <summary>The media types a file may have (<c>Storage:AllowedContentTypes</c>), read once.</summary>
    public IReadOnlySet<string> AllowedContentTypes { get; } =
        (configuration.GetSection("Storage:AllowedContentTypes").Get<string[]>() ?? DefaultContentTypes).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public async Task<T> WriteAsync<T>(Stream body, long? contentLength, bool md5, Func<WrittenBytes, Task<T>> commit, CancellationToken cancellationToken)
    {
        var versionId = Guid.CreateVersion7();
        var chunks = new List<StoredChunk>();
        var written = new List<(string ChunkId, string Server)>();
        var perServer = new Dictionary<string, int>(); // this upload's copies on each server, to spread them
        using var objectHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var etagHash = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(MessageBytes);
        var total = 0L;
        try
        {
            async Task<int> ReadAsync(long most)
            {
                var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(MessageBytes, most)), cancellationToken);
                total += read;
                if (total > MaxObjectBytes)
                {
                    throw new ObjectTooLargeException();
                }

                objectHash.AppendData(buffer, 0, read);
                etagHash?.AppendData(buffer, 0, read);
                return read;
            }

            var pending = await ReadAsync(_chunkSize);
            while (pending > 0)
            {
                var chunkId = Guid.NewGuid().ToString("N");
                // The chunk's size when the body's length is known (0, unknown, for a chunked body: the servers then reserve as bytes come).
                var expected = contentLength is { } length ? Math.Min(_chunkSize, length - (total - pending)) : 0;
                var placed = servers.Place(_copies, expected > 0 ? expected : _chunkSize, placedSoFar: perServer);
                foreach (var server in placed)
                {
                    perServer[server.Name] = perServer.GetValueOrDefault(server.Name) + 1;
                }

                var copies = placed.Select(s => (chunkId, s.Name)).ToList();
                await store.LeaseAsync(copies, chunks.Select(c => c.ChunkId).ToList(), cancellationToken);
                written.AddRange(copies);
                var calls = placed.Select(s => s.Client.PutChunk(cancellationToken: cancellationToken)).ToList();
                try
                {
                    await Task.WhenAll(calls.Select(c => c.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = chunkId, ExpectedSize = expected } }, cancellationToken)));
                    var inChunk = 0L;
                    while (pending > 0)
                    {
                        var data = new PutChunkRequest { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, pending)) };
                        await Task.WhenAll(calls.Select(c => c.RequestStream.WriteAsync(data, cancellationToken))); // serialised: the buffer is free again
                        inChunk += pending;
                        pending = await ReadAsync(inChunk < _chunkSize ? _chunkSize - inChunk : MessageBytes);
                        if (inChunk == _chunkSize)
                        {
                            break; // what was just read starts the next chunk
                        }
                    }

                    await Task.WhenAll(calls.Select(c => c.RequestStream.CompleteAsync()));
                    var replies = await Task.WhenAll(calls.Select(c => c.ResponseAsync));
                    var sha256 = Convert.ToHexStringLower(replies[0].Sha256.Span);
                    if (replies.Any(r => r.Size != inChunk || !r.Sha256.Span.SequenceEqual(replies[0].Sha256.Span)))
                    {
                        throw new IOException($"The copies of chunk {chunkId} disagree with what was sent.");
                    }

                    chunks.Add(new StoredChunk(chunkId, chunks.Count, total - pending - inChunk, inChunk, sha256, placed.Select(s => s.Name).ToArray()));
                }
                finally
                {
                    foreach (var call in calls)
                    {
                        call.Dispose(); // cancels a call still open: its server drops the partial chunk
                    }
                }
            }

            return await commit(new WrittenBytes(versionId, total, Convert.ToHexStringLower(objectHash.GetHashAndReset()),
                etagHash is null ? null : Convert.ToHexStringLower(etagHash.GetHashAndReset()), chunks));
        }
        catch
        {
            // Whatever went wrong (the client went away, a server failed, the body was too large or not what was signed), no object appears and no
            // copy stays behind: every chunk this upload wrote is queued for removal, on a token of its own.
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await store.AbandonAsync(written, cleanup.Token);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
