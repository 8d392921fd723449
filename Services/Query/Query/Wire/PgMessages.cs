using System.Buffers.Binary;
using System.Text;

namespace Platform.Query.Wire;

/// <summary>One message from a PostgreSQL client: its type byte (0 for the startup packet) and its body.</summary>
public sealed record PgMessage(char Type, byte[] Body)
{
    private int _at;

    public string Text()
    {
        var end = Array.IndexOf(Body, (byte)0, _at);
        var text = Encoding.UTF8.GetString(Body, _at, end - _at);
        _at = end + 1;
        return text;
    }

    public int Word()
    {
        var value = BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(_at));
        _at += 4;
        return value;
    }

    public short HalfWord()
    {
        var value = BinaryPrimitives.ReadInt16BigEndian(Body.AsSpan(_at));
        _at += 2;
        return value;
    }

    public byte[] Bytes(int count)
    {
        var bytes = Body.AsSpan(_at, count).ToArray();
        _at += count;
        return bytes;
    }

    public string Rest() => Encoding.UTF8.GetString(Body, _at, Body.Length - _at);
}

/// <summary>Reads the frontend's messages and writes the backend's, framed as PostgreSQL's protocol 3.0 frames them (a word is a big-endian int32, a half word an int16).</summary>
public sealed class PgConnection(Stream stream) : IDisposable
{
    private const int MaxMessage = 16 << 20;
    private readonly MemoryStream _out = new();

    public async Task<PgMessage?> ReadStartupAsync(CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await FillAsync(header, cancellationToken))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        return length is < 8 or > 10_000 ? null : await BodyAsync('\0', length - 4, cancellationToken);
    }

    public async Task<PgMessage?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = new byte[5];
        if (!await FillAsync(header, cancellationToken))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        return length is < 4 or > MaxMessage ? null : await BodyAsync((char)header[0], length - 4, cancellationToken);
    }

    /// <summary>Starts a backend message; <see cref="End"/> fills in its length.</summary>
    public PgConnection Begin(char type)
    {
        _out.WriteByte((byte)type);
        _lengthAt = _out.Position;
        _out.Write(stackalloc byte[4]);
        return this;
    }

    private long _lengthAt;

    public PgConnection Word(int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        _out.Write(bytes);
        return this;
    }

    public PgConnection HalfWord(short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        _out.Write(bytes);
        return this;
    }

    public PgConnection Byte(byte value)
    {
        _out.WriteByte(value);
        return this;
    }

    public PgConnection Bytes(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public PgConnection Text(string text)
    {
        _out.Write(Encoding.UTF8.GetBytes(text));
        _out.WriteByte(0);
        return this;
    }

    public void End()
    {
        var end = _out.Position;
        _out.Position = _lengthAt;
        Word((int)(end - _lengthAt));
        _out.Position = end;
    }

    /// <summary>Sends what was written, once it is worth a write (or when the client waits for it).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken, bool force = true)
    {
        if (_out.Length == 0 || (!force && _out.Length < 64 * 1024))
        {
            return;
        }

        await stream.WriteAsync(_out.GetBuffer().AsMemory(0, (int)_out.Length), cancellationToken);
        await stream.FlushAsync(cancellationToken);
        _out.SetLength(0);
    }

    public void Dispose() => _out.Dispose();

    private async Task<PgMessage?> BodyAsync(char type, int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        return await FillAsync(body, cancellationToken) ? new PgMessage(type, body) : null;
    }

    private async Task<bool> FillAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
