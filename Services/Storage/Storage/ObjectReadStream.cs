using Grpc.Core;
using Platform.Storage.Chunks;

namespace Platform.Storage;

/// <summary>
/// An object's bytes as a seekable stream over its chunks, for ASP.NET's range handling (206, 416, If-Range): a read
/// opens the chunk under the position on its first server and streams on; a server that fails, or sends nothing for
/// 5 s, is left for the next copy at the same position. With no copy left the read fails and the response is cut
/// short (its Content-Length unmet): a client sees an error, never wrong bytes. A copy found damaged or missing is
/// reported for repair.
/// </summary>
internal sealed class ObjectReadStream(ChunkServers servers, StoredObject stored) : Stream
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(5);
    private AsyncServerStreamingCall<ChunkData>? _call;
    private ReadOnlyMemory<byte> _pending;
    private int _chunk;
    private int _copy;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => stored.Size;

    public override long Position
    {
        get => _position;
        set
        {
            if (value != _position)
            {
                Close(nextCopy: false);
                _position = value;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_position < stored.Size && buffer.Length > 0)
        {
            if (_pending.IsEmpty && !await FillAsync(cancellationToken))
            {
                continue; // the chunk ended: the next one opens on the next round
            }

            var count = Math.Min(buffer.Length, _pending.Length);
            _pending.Span[..count].CopyTo(buffer.Span);
            _pending = _pending[count..];
            _position += count;
            return count;
        }

        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => stored.Size + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Close(nextCopy: false);
        base.Dispose(disposing);
    }

    /// <summary>Gets the next message of the open chunk (opening it first); false when that chunk has ended.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            _call ??= Open(cancellationToken);
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            silence.CancelAfter(Silence);
            try
            {
                if (await _call.ResponseStream.MoveNext(silence.Token))
                {
                    _pending = _call.ResponseStream.Current.Data.Memory;
                    return true;
                }

                Close(nextCopy: false);
                return false;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (e.StatusCode is StatusCode.DataLoss or StatusCode.NotFound)
                {
                    var chunk = stored.Chunks[_chunk];
                    servers.ReportDamaged(chunk.ChunkId, chunk.Servers[_copy]); // for the repair to replace
                }

                Close(nextCopy: true); // this copy failed or went silent: the same position on the next one
            }
        }
    }

    private AsyncServerStreamingCall<ChunkData> Open(CancellationToken cancellationToken)
    {
        _chunk = ChunkAt(_position);
        var chunk = stored.Chunks[_chunk];
        if (_copy >= chunk.Servers.Length)
        {
            throw new IOException($"No copy of chunk {chunk.ChunkId} of {stored.Key} could be read.");
        }

        return servers[chunk.Servers[_copy]].Client.GetChunk(new GetChunkRequest { ChunkId = chunk.ChunkId, Offset = _position - chunk.Offset }, cancellationToken: cancellationToken);
    }

    private void Close(bool nextCopy)
    {
        _call?.Dispose();
        _call = null;
        _pending = ReadOnlyMemory<byte>.Empty;
        _copy = nextCopy ? _copy + 1 : 0;
    }

    /// <summary>The chunk holding byte <paramref name="position"/> (chunks may differ in size, so by offset, not by division).</summary>
    private int ChunkAt(long position)
    {
        var (low, high) = (0, stored.Chunks.Count - 1);
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            (low, high) = stored.Chunks[middle].Offset <= position ? (middle, high) : (low, middle - 1);
        }

        return low;
    }
}
