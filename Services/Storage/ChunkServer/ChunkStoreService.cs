using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Platform.Storage.Chunks;

namespace Platform.ChunkServer;

/// <summary>
/// The chunk server's gRPC service. Status codes: a malformed id or request is InvalidArgument, an unknown chunk
/// NotFound, a write past the quota ResourceExhausted, the same id sent again with other bytes AlreadyExists (with the
/// same bytes it is an idempotent retry), a block that fails its checksum on the way out DataLoss.
/// </summary>
internal sealed class ChunkStoreService(ChunkFiles files, ChunkQuota quota, IConfiguration configuration) : ChunkStore.ChunkStoreBase
{
    /// <summary>The most bytes in one streamed message (gRPC's default limit is 4 MiB; small messages keep memory flat).</summary>
    public const int MessageBytes = 64 * 1024;

    /// <summary>How much more quota a writer takes when it outgrows its reservation.</summary>
    private const long GrowBy = 4L << 20;

    private readonly string _name = configuration["OTEL_SERVICE_NAME"] ?? "chunk-server";

    public override async Task<PutChunkReply> PutChunk(IAsyncStreamReader<PutChunkRequest> requestStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken) || requestStream.Current.PartCase != PutChunkRequest.PartOneofCase.Header)
        {
            throw Invalid("A PutChunk call starts with the chunk's header.");
        }

        var header = requestStream.Current.Header;
        var id = ValidId(header.ChunkId);
        if (header.ExpectedSize < 0)
        {
            throw Invalid("expected_size cannot be negative.");
        }

        if (header.ExpectedSize > quota.QuotaBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"A chunk of {header.ExpectedSize} bytes is larger than server {_name}'s quota ({quota.QuotaBytes})."));
        }

        var reserved = 0L;
        try
        {
            reserved = Reserve(header.ExpectedSize + ChunkFiles.FooterSize(header.ExpectedSize));
            await using var writer = files.Create(id);
            while (await requestStream.MoveNext(cancellationToken))
            {
                if (requestStream.Current.PartCase != PutChunkRequest.PartOneofCase.Data)
                {
                    throw Invalid("After the header, a PutChunk call sends only data.");
                }

                var data = requestStream.Current.Data.Memory;
                var after = writer.Length + data.Length;
                if (after > quota.QuotaBytes)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The chunk has grown past server {_name}'s quota ({quota.QuotaBytes})."));
                }

                if (after + ChunkFiles.FooterSize(after) > reserved)
                {
                    reserved += Reserve(Math.Max(GrowBy, after + ChunkFiles.FooterSize(after) - reserved));
                }

                await writer.WriteAsync(data, cancellationToken);
            }

            if (header.ExpectedSize > 0 && writer.Length != header.ExpectedSize)
            {
                throw Invalid($"The header announced {header.ExpectedSize} bytes; {writer.Length} came.");
            }

            var (sha256, published) = await writer.CompleteAsync(cancellationToken);
            if (published)
            {
                quota.Stored(writer.Length + ChunkFiles.FooterSize(writer.Length));
            }
            else if (await ChunkFiles.InfoAsync(files.PathOf(id), cancellationToken) is not { } stored || !stored.Sha256.AsSpan().SequenceEqual(sha256))
            {
                // Other bytes under this id (or a damaged copy, or one deleted a moment ago): this write is not kept.
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"Chunk {id} is stored with other bytes."));
            }

            return new PutChunkReply { ChunkId = id, Size = writer.Length, Sha256 = ByteString.CopyFrom(sha256) };
        }
        finally
        {
            quota.Release(reserved);
        }
    }

    public override async Task GetChunk(GetChunkRequest request, IServerStreamWriter<ChunkData> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var id = ValidId(request.ChunkId);
        if (request.Offset < 0 || request.Length < 0)
        {
            throw Invalid("offset and length cannot be negative.");
        }

        await using var file = Open(id);
        ChunkInfo info;
        try
        {
            info = await ChunkFiles.ReadInfoAsync(file, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"Chunk {id}: {e.Message}"));
        }

        if (request.Offset > info.Length)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"Chunk {id} has {info.Length} bytes; offset {request.Offset} is past its end."));
        }

        var end = request.Length == 0 || request.Length >= info.Length - request.Offset ? info.Length : request.Offset + request.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkFiles.BlockSize);
        try
        {
            for (var block = request.Offset / ChunkFiles.BlockSize; block * ChunkFiles.BlockSize < end; block++)
            {
                var start = block * ChunkFiles.BlockSize;
                var size = (int)Math.Min(ChunkFiles.BlockSize, info.Length - start);
                await ReadExactlyAsync(file, buffer.AsMemory(0, size), start, cancellationToken);
                if (ChunkFiles.BlockHash(buffer.AsSpan(0, size)) != info.BlockHash(block))
                {
                    throw new RpcException(new Status(StatusCode.DataLoss, $"Chunk {id}: block {block} does not match its checksum."));
                }

                var to = (int)Math.Min(size, end - start);
                for (var at = (int)Math.Max(0, request.Offset - start); at < to; at += MessageBytes)
                {
                    // Serialised before WriteAsync returns: the buffer is free again for the next block.
                    await responseStream.WriteAsync(new ChunkData { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(at, Math.Min(MessageBytes, to - at))) }, cancellationToken);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override Task<DeleteChunkReply> DeleteChunk(DeleteChunkRequest request, ServerCallContext context)
    {
        var id = ValidId(request.ChunkId);
        var fileBytes = files.Remove(id) ?? throw new RpcException(new Status(StatusCode.NotFound, $"There is no chunk {id}."));
        quota.Removed(fileBytes);
        return Task.FromResult(new DeleteChunkReply());
    }

    public override Task<HealthCheckReply> HealthCheck(HealthCheckRequest request, ServerCallContext context)
    {
        var (used, reserved, count) = quota.Snapshot();
        var total = Math.Min(quota.QuotaBytes, used + files.DiskFreeBytes());
        return Task.FromResult(new HealthCheckReply
        {
            Server = _name,
            TotalBytes = total,
            FreeBytes = Math.Max(0, total - used - reserved),
            UsedBytes = used,
            ChunkCount = count,
        });
    }

    private long Reserve(long bytes) => quota.TryReserve(bytes)
        ? bytes
        : throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Server {_name} has no room for {bytes} more bytes (quota {quota.QuotaBytes})."));

    private FileStream Open(string id)
    {
        try
        {
            return new FileStream(files.PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 0, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"There is no chunk {id}."));
        }
    }

    private static async Task ReadExactlyAsync(FileStream file, Memory<byte> into, long offset, CancellationToken cancellationToken)
    {
        while (into.Length > 0)
        {
            var read = await RandomAccess.ReadAsync(file.SafeFileHandle, into, offset, cancellationToken);
            if (read == 0)
            {
                throw new RpcException(new Status(StatusCode.DataLoss, "The chunk file is shorter than its footer says."));
            }

            (into, offset) = (into[read..], offset + read);
        }
    }

    private static string ValidId(string id)
        => ChunkFiles.IsValidId(id) ? id : throw Invalid($"A chunk id is 32 lower-case hex digits, not '{(id.Length > 64 ? id[..64] + "…" : id)}'.");

    private static RpcException Invalid(string detail) => new(new Status(StatusCode.InvalidArgument, detail));
}
