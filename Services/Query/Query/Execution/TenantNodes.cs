namespace Platform.Query.Execution;

/// <summary>
/// The tenant nodes this operation node was given (the AppHost's <c>nodes-*</c> references) and which of them are down.
/// A node is down from a failed call or health probe until a probe finds it healthy again; going down cancels the
/// calls in flight to it (<see cref="Watch"/>), so their work moves to the other copies at once rather than waiting on
/// a connection that a proxy in front of a dead process holds open.
/// </summary>
public sealed class TenantNodes
{
    private readonly CancellationSwitches<string> _up = new();

    public TenantNodes(IConfiguration configuration)
    {
        Names = [.. configuration.GetSection("services").GetChildren().Select(s => s.Key)
            .Where(k => k.StartsWith("nodes-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        foreach (var node in Names)
        {
            _up.Add(node);
        }
    }

    public IReadOnlyList<string> Names { get; }

    public bool IsUp(string node) => !_up.IsTripped(node);

    /// <summary>Cancelled when the node goes down.</summary>
    public CancellationToken Watch(string node) => _up.Token(node);

    public void Failed(string node) => _up.Trip(node);

    public void Answered(string node) => _up.Rearm(node);

    public static Uri Address(string node) => new($"http://{node}");
}
