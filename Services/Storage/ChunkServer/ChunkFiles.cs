using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Platform.ChunkServer;

/// <summary>
/// The chunks on this server's disk, one file each: <c>chunks/&lt;id[0..2]&gt;/&lt;id&gt;</c>, holding the chunk's bytes and
/// then a footer (an XxHash3 per 1 MiB block, the SHA-256 of the whole, the length, a magic number), so the bytes and
/// their checksums can never disagree. A chunk is written to <c>tmp/</c> and renamed into place once whole and on disk:
/// a crash leaves a stray temporary file (swept at start), never a partial chunk. (The rename is not fsynced: a power
/// cut just after a chunk was acknowledged can lose that copy; the other copy, on another server, remains.)
/// </summary>
internal sealed partial class ChunkFiles
{
    public const int BlockSize = 1 << 20;
    private const ulong Magic = 0x31_4B_4E_55_48_43_4C_50; // "PLCHUNK1"
    private const int TrailerSize = 32 + 8 + 8; // sha256, length, magic

    private readonly string _chunks;
    private readonly string _tmp;
    private readonly Lock _publish = new();

    public ChunkFiles(string dataDirectory)
    {
        _chunks = Path.Combine(dataDirectory, "chunks");
        _tmp = Path.Combine(dataDirectory, "tmp");
        Directory.CreateDirectory(_chunks);
        if (Directory.Exists(_tmp))
        {
            Directory.Delete(_tmp, recursive: true); // what a crash left half-written
        }

        Directory.CreateDirectory(_tmp);
    }

    /// <summary>A chunk id is 32 lower-case hex digits (a GUID without dashes): nothing else ever reaches a path.</summary>
    public static bool IsValidId(string id) => ChunkId().IsMatch(id);

    public string PathOf(string id) => Path.Combine(_chunks, id[..2], id);

    /// <summary>Every stored chunk's id and file size, for the quota at start.</summary>
    public IEnumerable<(string Id, long FileBytes)> Scan()
        => Directory.EnumerateFiles(_chunks, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).Select(f => (f.Name, f.Length));

    /// <summary>Removes a chunk; returns the bytes its file held, or null when there was none. Two removals of one chunk: one wins.</summary>
    public long? Remove(string id)
    {
        var doomed = Path.Combine(_tmp, $"{id}.{Guid.NewGuid():N}.deleted");
        try
        {
            File.Move(PathOf(id), doomed); // atomic: only one of two concurrent removals gets the file
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var bytes = new FileInfo(doomed).Length;
        File.Delete(doomed);
        return bytes;
    }

    public long DiskFreeBytes() => new DriveInfo(_chunks).AvailableFreeSpace;

    public ChunkWriter Create(string id) => new(this, id, Path.Combine(_tmp, $"{id}.{Guid.NewGuid():N}.part"));

    /// <summary>The stored chunk's length and SHA-256, or null when there is none.</summary>
    public static async Task<ChunkInfo?> InfoAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.Asynchronous);
            return await ReadInfoAsync(file, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    public static long FooterSize(long length) => (BlockCount(length) * 8) + TrailerSize;

    private static long BlockCount(long length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>Reads the footer of an open chunk file: its length, SHA-256 and block checksums.</summary>
    public static async Task<ChunkInfo> ReadInfoAsync(FileStream file, CancellationToken cancellationToken)
    {
        if (file.Length < TrailerSize)
        {
            throw new InvalidDataException("The chunk file is shorter than its footer.");
        }

        var trailer = new byte[TrailerSize];
        await RandomAccess.ReadAsync(file.SafeFileHandle, trailer, file.Length - TrailerSize, cancellationToken);
        var length = BinaryPrimitives.ReadInt64LittleEndian(trailer.AsSpan(32));
        if (BinaryPrimitives.ReadUInt64LittleEndian(trailer.AsSpan(40)) != Magic || length < 0 || file.Length != length + FooterSize(length))
        {
            throw new InvalidDataException("The chunk file's footer is damaged.");
        }

        var blocks = new byte[BlockCount(length) * 8];
        await RandomAccess.ReadAsync(file.SafeFileHandle, blocks, length, cancellationToken);
        return new ChunkInfo(length, trailer[..32], blocks);
    }

    /// <summary>
    /// Moves a whole chunk into place; false when a chunk of that id is already there (it is left as it is). rename(2)
    /// itself would replace an existing file (File.Move only checks first), so publishing is serialised in this process,
    /// which alone owns the directory.
    /// </summary>
    internal bool TryPublish(string tempPath, string id)
    {
        var final = PathOf(id);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        lock (_publish)
        {
            if (File.Exists(final))
            {
                return false;
            }

            File.Move(tempPath, final);
            return true;
        }
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex ChunkId();

    internal static ulong BlockHash(ReadOnlySpan<byte> block) => XxHash3.HashToUInt64(block);

    internal static byte[] Footer(long length, byte[] sha256, List<ulong> blockHashes)
    {
        var footer = new byte[FooterSize(length)];
        for (var i = 0; i < blockHashes.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(footer.AsSpan(i * 8), blockHashes[i]);
        }

        var trailer = footer.AsSpan(blockHashes.Count * 8);
        sha256.CopyTo(trailer);
        BinaryPrimitives.WriteInt64LittleEndian(trailer[32..], length);
        BinaryPrimitives.WriteUInt64LittleEndian(trailer[40..], Magic);
        return footer;
    }
}

/// <summary>A stored chunk's footer: its length, SHA-256, and the XxHash3 of each 1 MiB block (8 bytes each).</summary>
internal sealed record ChunkInfo(long Length, byte[] Sha256, byte[] BlockHashes)
{
    public ulong BlockHash(long block) => BinaryPrimitives.ReadUInt64LittleEndian(BlockHashes.AsSpan((int)(block * 8)));
}

/// <summary>One chunk being written: bytes go straight to a temporary file, hashed as they pass; nothing is buffered whole.</summary>
internal sealed class ChunkWriter(ChunkFiles files, string id, string tempPath) : IAsyncDisposable
{
    private readonly FileStream _file = new(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly XxHash3 _block = new();
    private readonly List<ulong> _blockHashes = [];
    private int _inBlock;

    public long Length { get; private set; }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _file.WriteAsync(data, cancellationToken);
        _sha256.AppendData(data.Span);
        Length += data.Length;
        var rest = data.Span;
        while (rest.Length > 0)
        {
            var take = Math.Min(rest.Length, ChunkFiles.BlockSize - _inBlock);
            _block.Append(rest[..take]);
            _inBlock += take;
            rest = rest[take..];
            if (_inBlock == ChunkFiles.BlockSize)
            {
                _blockHashes.Add(_block.GetCurrentHashAsUInt64());
                _block.Reset();
                _inBlock = 0;
            }
        }
    }

    /// <summary>Writes the footer, makes it durable and moves it into place. Returns the chunk's SHA-256, and whether this writer's copy is the one stored.</summary>
    public async Task<(byte[] Sha256, bool Published)> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_inBlock > 0)
        {
            _blockHashes.Add(_block.GetCurrentHashAsUInt64());
        }

        var sha256 = _sha256.GetHashAndReset();
        await _file.WriteAsync(ChunkFiles.Footer(Length, sha256, _blockHashes), cancellationToken);
        await Task.Run(() => _file.Flush(flushToDisk: true), cancellationToken); // fsync, off the request's thread
        await _file.DisposeAsync();
        return (sha256, files.TryPublish(tempPath, id));
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _sha256.Dispose();
        File.Delete(tempPath); // gone already when published
    }
}
