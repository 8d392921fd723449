namespace Platform.Query.Planning;

/// <summary>
/// A step run on the tenant nodes: the fragment SQL, the tables it reads (co-located tables share partition indexes,
/// so a node reads the same indexes of each) and the earlier gathers it takes along as broadcast relations. Its
/// answers from every node are collected on the operation node as a table named <see cref="Name"/>.
/// </summary>
public sealed record Gather(string Name, string Sql, IReadOnlyList<TableScan> Tables, IReadOnlyList<string> Broadcast, double EstimatedRows, string Operation);

/// <summary>
/// A semi-join reduction on the operation node: the rows of gathered relation <see cref="Target"/> that no row of
/// <see cref="Source"/> joins (an inner join's equality between them) are deleted before <see cref="Target"/> is
/// broadcast, since the join would drop them anyway. <see cref="Description"/> names the tables and columns.
/// </summary>
public sealed record Reduction(string Target, string Source, string Sql, string Description);

/// <summary>
/// A query's distributed plan: the gathers in order (a broadcast relation before the fragments that join it), the
/// reductions of broadcast relations by each other, then the SQL the operation node runs over what they collected
/// (final aggregation, sort, limit). Costs are in rows: those read on the nodes, plus ten per row sent to the operation
/// node, plus those it processes.
/// </summary>
public sealed record DistributedPlan(string Strategy, IReadOnlyList<Gather> Gathers, string FinalSql, double EstimatedRows,
    double Cost, double NaiveCost, IReadOnlyList<string> Notes)
{
    public IReadOnlyList<Reduction> Reductions { get; init; } = [];
}
