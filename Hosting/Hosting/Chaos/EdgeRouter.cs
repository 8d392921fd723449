using System.Collections.Concurrent;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Chaos;

/// <summary>
/// The graph's fault proxies and the faults of each edge. An edge is "consumer->target" (for example
/// "workspaces->postgres" or "gateway->users"); it covers every replica on both sides. Set a fault and every
/// connection on that edge, new and open, gets it at once; clear it and traffic flows untouched again.
/// </summary>
public sealed class EdgeRouter : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Edge, int Port), FaultProxy> _proxies = new();
    private readonly ConcurrentDictionary<string, EdgeFaults> _faults = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _edges = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<FaultEvent> _timeline = [];
    private long _resets;

    /// <summary>Connections the proxies have reset so far (a reset fault that never fired proves nothing).</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>The edges of the graph.</summary>
    public IReadOnlyList<string> Edges => _edges.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Every fault set or cleared, with its time: the timeline a chaos test reports.</summary>
    public IReadOnlyList<FaultEvent> Timeline
    {
        get
        {
            lock (_timeline)
            {
                return _timeline.ToList();
            }
        }
    }

    public static string EdgeName(string consumer, string target) => $"{consumer}->{target}";

    public EdgeFaults FaultsOf(string edge) => _faults.GetValueOrDefault(edge, EdgeFaults.None);

    public void Set(string edge, EdgeFaults faults)
    {
        if (!Edges.Contains(edge, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"No edge '{edge}'. Edges: {string.Join(", ", Edges)}.", nameof(edge));
        }

        _faults[edge] = faults;
        Record(edge, faults);
    }

    public void Set(string edge, EdgeFault bothWays) => Set(edge, EdgeFaults.Both(bothWays));

    /// <summary>The same fault on every edge (for example a few percent of resets everywhere).</summary>
    public void SetAll(EdgeFaults faults)
    {
        foreach (var edge in Edges)
        {
            Set(edge, faults);
        }
    }

    public void Clear(string edge)
    {
        _faults.TryRemove(edge, out _);
        Record(edge, EdgeFaults.None);
    }

    public void ClearAll()
    {
        foreach (var edge in _faults.Keys)
        {
            Clear(edge);
        }
    }

    internal void Declare(string edge) => _edges[edge] = true;

    /// <summary>The port a consumer should use to reach <paramref name="targetPort"/> over this edge (a proxy, created once per edge and port).</summary>
    internal int Route(string consumer, string target, int targetPort)
    {
        var edge = EdgeName(consumer, target);
        Declare(edge);
        return _proxies.GetOrAdd((edge, targetPort), key => new FaultProxy(key.Port, () => FaultsOf(key.Edge), () => Interlocked.Increment(ref _resets))).Port;
    }

    private void Record(string edge, EdgeFaults faults)
    {
        lock (_timeline)
        {
            _timeline.Add(new FaultEvent(DateTimeOffset.UtcNow, edge, faults));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in _proxies.Values)
        {
            await proxy.DisposeAsync();
        }
    }
}

public sealed record FaultEvent(DateTimeOffset At, string Edge, EdgeFaults Faults);

public static class EdgeRouterExtensions
{
    /// <summary>The fault proxies of a graph started with <c>EdgeProxies=true</c>.</summary>
    public static EdgeRouter Edges(this DistributedApplication app)
        => app.Services.GetService<EdgeRouter>() ?? throw new InvalidOperationException("This graph has no edge proxies: start it with --EdgeProxies=true.");
}
