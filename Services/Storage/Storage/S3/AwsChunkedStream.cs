using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Storage.S3;

/// <summary>The signature chain of a streaming upload: each chunk's signature covers its data and the one before it.</summary>
internal sealed class ChunkSigner(byte[] signingKey, SignedRequest request)
{
    private string _previous = request.Signature.ToLowerInvariant();

    public void Verify(string given, string dataSha256)
    {
        var expected = SigV4.Sign(signingKey, $"AWS4-HMAC-SHA256-PAYLOAD\n{request.AmzDate}\n{request.Scope}\n{_previous}\n{SigV4.EmptySha256}\n{dataSha256}");
        if (!SigV4.Matches(expected, given))
        {
            throw SigV4Mismatch("A chunk's signature");
        }

        _previous = expected;
    }

    public void VerifyTrailer(string given, string trailerText)
    {
        var expected = SigV4.Sign(signingKey, $"AWS4-HMAC-SHA256-TRAILER\n{request.AmzDate}\n{request.Scope}\n{_previous}\n{SigV4.Sha256Hex(trailerText)}");
        if (!SigV4.Matches(expected, given))
        {
            throw SigV4Mismatch("The trailer's signature");
        }
    }

    private static S3Exception SigV4Mismatch(string what) => S3Exception.SignatureMismatch($"{what} does not match; the upload was not stored.");
}

/// <summary>
/// The body of an <c>aws-chunked</c> upload, decoded: <c>HEX;chunk-signature=SIG\r\nDATA\r\n</c> chunks (or plain
/// <c>HEX\r\nDATA\r\n</c> for STREAMING-UNSIGNED-PAYLOAD-TRAILER), a last empty chunk, and for the TRAILER forms a
/// trailing checksum header and its signature. Each chunk's signature is checked when its data ends, the CRC32 of the
/// whole (from the trailer or an <c>x-amz-checksum-crc32</c> header) and the decoded length at the end, so a reader
/// never sees the end of a body that was not what the client signed: it gets an <see cref="S3Exception"/> instead.
/// </summary>
internal sealed class AwsChunkedStream(Stream inner, ChunkSigner? signer, bool trailer, long decodedLength, string? crc32) : Stream
{
    private const int MaxLine = 4096;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly Crc32 _crc = new();
    private readonly IncrementalHash? _chunkHash = signer is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _start;
    private int _end;
    private long _chunkLeft;
    private long _decoded;
    private string? _chunkSignature;
    private bool _done;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => decodedLength;

    public override long Position { get => _decoded; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_done || destination.Length == 0)
        {
            return 0;
        }

        if (_chunkLeft == 0)
        {
            await StartChunkAsync(cancellationToken);
            if (_done)
            {
                return 0;
            }
        }

        if (_start == _end)
        {
            await FillAsync(cancellationToken);
        }

        var count = (int)Math.Min(Math.Min(destination.Length, _end - _start), _chunkLeft);
        var data = _buffer.AsSpan(_start, count);
        data.CopyTo(destination.Span);
        _chunkHash?.AppendData(data);
        _crc.Append(data);
        _start += count;
        _chunkLeft -= count;
        _decoded += count;
        if (_chunkLeft == 0)
        {
            await ExpectLineAsync("", cancellationToken);
            signer?.Verify(_chunkSignature!, Convert.ToHexStringLower(_chunkHash!.GetHashAndReset()));
        }

        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _chunkHash?.Dispose();
        base.Dispose(disposing);
    }

    private async Task StartChunkAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(cancellationToken);
        var semicolon = header.IndexOf(';');
        var sizeText = semicolon < 0 ? header : header[..semicolon];
        if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
        {
            throw Incomplete($"'{header}' is not a chunk header.");
        }

        if (signer is not null)
        {
            const string Prefix = ";chunk-signature=";
            if (semicolon < 0 || !header.AsSpan(semicolon).StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw Incomplete("A chunk of a signed streaming upload has no chunk-signature.");
            }

            _chunkSignature = header[(semicolon + Prefix.Length)..];
        }

        _chunkLeft = size;
        if (size > 0)
        {
            return;
        }

        signer?.Verify(_chunkSignature!, SigV4.EmptySha256);
        var sentCrc32 = crc32;
        if (trailer)
        {
            var trailerText = new StringBuilder();
            string? trailerSignature = null;
            for (var line = await ReadLineAsync(cancellationToken); line.Length > 0; line = await ReadLineAsync(cancellationToken))
            {
                var colon = line.IndexOf(':');
                var name = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..];
                if (name == "x-amz-trailer-signature")
                {
                    trailerSignature = value;
                    continue;
                }

                trailerText.Append(name).Append(':').Append(value).Append('\n');
                if (name == "x-amz-checksum-crc32")
                {
                    sentCrc32 = value;
                }
            }

            if (signer is not null)
            {
                signer.VerifyTrailer(trailerSignature ?? throw Incomplete("The trailer of a signed upload has no x-amz-trailer-signature."), trailerText.ToString());
            }
        }
        else
        {
            await ExpectLineAsync("", cancellationToken);
        }

        if (_decoded != decodedLength)
        {
            throw Incomplete($"The body decoded to {_decoded} bytes; x-amz-decoded-content-length said {decodedLength}.");
        }

        if (sentCrc32 is not null && Crc32CheckedStream.Format(_crc) != sentCrc32)
        {
            throw Crc32CheckedStream.Mismatch();
        }

        _done = true;
    }

    private async Task ExpectLineAsync(string expected, CancellationToken cancellationToken)
    {
        if (await ReadLineAsync(cancellationToken) != expected)
        {
            throw Incomplete("A chunk's data is not followed by CRLF.");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var span = _buffer.AsSpan(_start, _end - _start);
            var newline = span.IndexOf((byte)'\n');
            var take = newline < 0 ? span : span[..newline];
            line.Append(Encoding.ASCII.GetString(take));
            _start += take.Length;
            if (line.Length > MaxLine)
            {
                throw Incomplete("A chunk header or trailer line is too long.");
            }

            if (newline >= 0)
            {
                _start++;
                return line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
            }
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await inner.ReadAsync(_buffer, cancellationToken);
        if (_end == 0)
        {
            throw Incomplete("The body ended before its last chunk.");
        }
    }

    private static S3Exception Incomplete(string message) => new(400, "IncompleteBody", message);
}
