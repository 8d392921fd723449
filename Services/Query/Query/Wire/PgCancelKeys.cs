using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Platform.Query.Wire;

/// <summary>The key a client sends in a CancelRequest (on a new connection) to cancel its session's running statement.</summary>
public sealed record PgCancelKey(int Process, int Secret);

/// <summary>Each session's cancel key and the token its running statement watches.</summary>
public sealed class PgCancelKeys
{
    private readonly ConcurrentDictionary<PgCancelKey, CancellationTokenSource> _sessions = new();

    public (PgCancelKey Key, IDisposable Registration) Register()
    {
        var key = new PgCancelKey(RandomNumberGenerator.GetInt32(1, int.MaxValue), RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue));
        _sessions[key] = new CancellationTokenSource();
        return (key, new Registration(() =>
        {
            if (_sessions.TryRemove(key, out var cancel))
            {
                cancel.Dispose();
            }
        }));
    }

    public CancellationToken Token(PgCancelKey key) => _sessions.TryGetValue(key, out var cancel) ? cancel.Token : CancellationToken.None;

    public void Cancel(PgCancelKey key)
    {
        if (_sessions.TryGetValue(key, out var cancel))
        {
            cancel.Cancel();
        }
    }

    /// <summary>After a statement: a cancel that arrived for it does not carry over to the next.</summary>
    public void Reset(PgCancelKey key)
    {
        if (_sessions.TryGetValue(key, out var cancel) && cancel.IsCancellationRequested && _sessions.TryUpdate(key, new CancellationTokenSource(), cancel))
        {
            cancel.Dispose();
        }
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
