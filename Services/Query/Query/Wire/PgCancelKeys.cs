using System.Security.Cryptography;
using Platform.Query.Execution;

namespace Platform.Query.Wire;

/// <summary>The key a client sends in a CancelRequest (on a new connection) to cancel its session's running statement.</summary>
public sealed record PgCancelKey(int Process, int Secret);

/// <summary>
/// Each session's cancel key and the token its running statement watches. Keys live in the replica that holds the
/// session: a CancelRequest that DCP's proxy sends to the other replica finds no key and cancels nothing.
/// </summary>
public sealed class PgCancelKeys
{
    private readonly CancellationSwitches<PgCancelKey> _sessions = new();

    public PgCancelKey Register()
    {
        var key = new PgCancelKey(RandomNumberGenerator.GetInt32(1, int.MaxValue), RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue));
        _sessions.Add(key);
        return key;
    }

    public void Unregister(PgCancelKey key) => _sessions.Remove(key);

    public CancellationToken Token(PgCancelKey key) => _sessions.Token(key);

    public void Cancel(PgCancelKey key) => _sessions.Trip(key);

    /// <summary>After a statement: a cancel that arrived for it does not carry over to the next.</summary>
    public void Reset(PgCancelKey key) => _sessions.Rearm(key);
}
