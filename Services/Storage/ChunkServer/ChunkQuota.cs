namespace Platform.ChunkServer;

/// <summary>
/// The bytes this server may hold (<c>ChunkServer:QuotaBytes</c>) and what is stored and reserved against them. A writer
/// reserves what it announces before the first byte and more as it goes; a write that would pass the quota is refused.
/// </summary>
internal sealed class ChunkQuota(long quotaBytes)
{
    private readonly Lock _lock = new();
    private long _used;
    private long _reserved;
    private long _count;

    public long QuotaBytes { get; } = quotaBytes;

    public (long Used, long Reserved, long Count) Snapshot()
    {
        lock (_lock)
        {
            return (_used, _reserved, _count);
        }
    }

    public bool TryReserve(long bytes)
    {
        lock (_lock)
        {
            if (_used + _reserved + bytes > QuotaBytes)
            {
                return false;
            }

            _reserved += bytes;
            return true;
        }
    }

    public void Release(long bytes)
    {
        lock (_lock)
        {
            _reserved -= bytes;
        }
    }

    public void Stored(long fileBytes)
    {
        lock (_lock)
        {
            _used += fileBytes;
            _count++;
        }
    }

    public void Removed(long fileBytes)
    {
        lock (_lock)
        {
            _used -= fileBytes;
            _count--;
        }
    }
}
