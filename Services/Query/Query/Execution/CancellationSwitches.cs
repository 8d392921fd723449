using System.Collections.Concurrent;

namespace Platform.Query.Execution;

/// <summary>
/// A cancellation token per key that can be tripped and then re-armed with a fresh one: a node going down (and up), a
/// session's statement cancelled (and the next one starting). A replaced source is not disposed: a caller may still
/// hold it, and a source without timers holds nothing to free.
/// </summary>
public sealed class CancellationSwitches<TKey> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, CancellationTokenSource> _sources = new();

    public void Add(TKey key) => _sources.TryAdd(key, new CancellationTokenSource());

    public void Remove(TKey key) => _sources.TryRemove(key, out _);

    /// <summary>The key's current token (none, for a key not added).</summary>
    public CancellationToken Token(TKey key) => _sources.TryGetValue(key, out var source) ? source.Token : CancellationToken.None;

    public bool IsTripped(TKey key) => _sources.TryGetValue(key, out var source) && source.IsCancellationRequested;

    public void Trip(TKey key)
    {
        if (_sources.TryGetValue(key, out var source))
        {
            source.Cancel();
        }
    }

    public void Rearm(TKey key)
    {
        if (_sources.TryGetValue(key, out var source) && source.IsCancellationRequested)
        {
            _sources.TryUpdate(key, new CancellationTokenSource(), source);
        }
    }
}
