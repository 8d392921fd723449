using System.Buffers.Binary;
using System.IO.Hashing;

namespace Platform.Storage.S3;

/// <summary>
/// A body sent with an <c>x-amz-checksum-crc32</c> header, passed through as it is read; at its end the CRC32 of what
/// came must be the one sent (S3's form: big-endian, base64), or the reader gets BadDigest instead of the end.
/// </summary>
internal sealed class Crc32CheckedStream(Stream inner, string expected) : Stream
{
    private readonly Crc32 _crc = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>A CRC32 as S3 writes it.</summary>
    public static string Format(Crc32 crc)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, crc.GetCurrentHashAsUInt32());
        return Convert.ToBase64String(bytes);
    }

    public static S3Exception Mismatch() => new(400, "BadDigest", "The CRC32 checksum sent does not match the body received.");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _crc.Append(buffer.Span[..read]);
        if (read == 0 && buffer.Length > 0 && Format(_crc) != expected)
        {
            throw Mismatch();
        }

        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
