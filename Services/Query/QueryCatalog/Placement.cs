namespace Platform.QueryCatalog;

/// <summary>
/// Where a partition's two copies live: partition i on nodes i and i+1 (mod the node count). Every table places the same
/// index on the same nodes, so two tables hashed on their join key into as many partitions join where they lie.
/// </summary>
public static class Placement
{
    public const int Copies = 2;

    public static IReadOnlyList<string> NodesFor(int partition, IReadOnlyList<string> nodes)
        => [.. Enumerable.Range(0, Math.Min(Copies, nodes.Count)).Select(k => nodes[(partition + k) % nodes.Count])];
}
