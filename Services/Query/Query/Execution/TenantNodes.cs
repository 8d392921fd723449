using System.Collections.Concurrent;

namespace Platform.Query.Execution;

/// <summary>
/// The tenant nodes this operation node was given (the AppHost's <c>nodes-*</c> references) and which of them are down.
/// A node is down from a failed call or health probe until a probe finds it healthy again; going down cancels the
/// calls in flight to it (<see cref="Watch"/>), so their work moves to the other copies at once rather than waiting on
/// a connection that a proxy in front of a dead process holds open.
/// </summary>
public sealed class TenantNodes(IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _up = new();

    public IReadOnlyList<string> Names { get; } = [.. configuration.GetSection("services").GetChildren().Select(s => s.Key)
        .Where(k => k.StartsWith("nodes-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    public bool IsUp(string node) => !_up.TryGetValue(node, out var up) || !up.IsCancellationRequested;

    /// <summary>Cancelled when the node goes down.</summary>
    public CancellationToken Watch(string node) => _up.GetOrAdd(node, _ => new CancellationTokenSource()).Token;

    public void Failed(string node)
    {
        if (_up.TryGetValue(node, out var up))
        {
            up.Cancel();
        }
        else
        {
            var down = new CancellationTokenSource();
            down.Cancel();
            _up.TryAdd(node, down);
        }
    }

    public void Answered(string node)
    {
        if (_up.TryGetValue(node, out var up) && up.IsCancellationRequested && _up.TryUpdate(node, new CancellationTokenSource(), up))
        {
            up.Dispose();
        }
    }

    public static Uri Address(string node) => new($"http://{node}");
}
