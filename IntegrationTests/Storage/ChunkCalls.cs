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

    public static Task<PutChunkReply> PutAsync(this ChunkStore.ChunkStoreClient chunks, string id, byte[] bytes)
    {
        var messages = new List<PutChunkRequest> { new() { Header = new ChunkHeader { ChunkId = id, ExpectedSize = bytes.Length } } };
        for (var at = 0; at < bytes.Length; at += MessageBytes)
        {
            messages.Add(new PutChunkRequest { Data = ByteString.CopyFrom(bytes, at, Math.Min(MessageBytes, bytes.Length - at)) });
        }

        return chunks.PutAsync(messages);
    }

    /// <summary>
    /// Sends <paramref name="messages"/> on one PutChunk call and returns the server's reply. A server that refuses the
    /// header ends the call while the client may still be writing; that write then fails with Cancelled, so the server's
    /// own status is taken from the call's response.
    /// </summary>
    public static async Task<PutChunkReply> PutAsync(this ChunkStore.ChunkStoreClient chunks, IEnumerable<PutChunkRequest> messages)
    {
        using var call = chunks.PutChunk();
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception written) when (written is RpcException or InvalidOperationException)
        {
            await call.ResponseAsync; // throws the status the server ended the call with
            throw;
        }

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
