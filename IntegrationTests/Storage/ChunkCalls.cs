using Google.Protobuf;
using Grpc.Core;
using Platform.Storage.Chunks;

namespace Platform.IntegrationTests.Storage;

/// <summary>The storage tests' data and their calls to a chunk server, in 64 KiB messages as the storage service sends them.</summary>
internal static class ChunkCalls
{
    public const int MessageBytes = 64 * 1024;

    /// <summary>Deterministic bytes: the same seed gives the same content.</summary>
    public static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task<PutChunkReply> PutAsync(this ChunkStore.ChunkStoreClient chunks, string id, byte[] bytes)
    {
        using var call = chunks.PutChunk();
        await call.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = id, ExpectedSize = bytes.Length } });
        for (var at = 0; at < bytes.Length; at += MessageBytes)
        {
            await call.RequestStream.WriteAsync(new PutChunkRequest { Data = ByteString.CopyFrom(bytes, at, Math.Min(MessageBytes, bytes.Length - at)) });
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    /// <summary>The chunk's bytes from <paramref name="offset"/> (<paramref name="length"/> of them; 0: to the end).</summary>
    public static async Task<byte[]> ReadAsync(this ChunkStore.ChunkStoreClient chunks, string id, long offset = 0, long length = 0)
    {
        using var bytes = new MemoryStream();
        using var call = chunks.GetChunk(new GetChunkRequest { ChunkId = id, Offset = offset, Length = length });
        await foreach (var data in call.ResponseStream.ReadAllAsync())
        {
            bytes.Write(data.Data.Span);
        }

        return bytes.ToArray();
    }
}
