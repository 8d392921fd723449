using DuckDB.NET.Data;

namespace Platform.Query.Execution;

/// <summary>What one fragment did: the node, the partitions it read and the rows it sent back.</summary>
public sealed record FragmentRun(string Gather, string Node, IReadOnlyList<int> Partitions, long Rows, double Milliseconds);

/// <summary>
/// A query being answered: the operation node's private in-memory engine holding what the gathers collected, and the
/// record of which node did what. Disposing it frees the engine.
/// </summary>
public sealed class QueryExecution(DuckDBConnection local) : IAsyncDisposable
{
    public DuckDBConnection Local { get; } = local;

    public List<FragmentRun> Fragments { get; } = [];

    public long RowsScanned { get; set; }

    public int PartitionsScanned { get; set; }

    /// <summary>The rows semi-join reductions deleted from each gathered relation before it was broadcast.</summary>
    public Dictionary<string, long> Reduced { get; } = [];

    public IReadOnlyList<string> Nodes => [.. Fragments.Select(f => f.Node).Distinct().Order(StringComparer.Ordinal)];

    public ValueTask DisposeAsync() => Local.DisposeAsync();
}
