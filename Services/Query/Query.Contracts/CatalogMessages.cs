namespace Platform.Query.Contracts;

/// <summary>
/// A tenant's table as the metadata catalog (<c>query-catalog</c>) holds it: its columns, how its rows are spread (HASH of
/// <see cref="PartitionColumn"/> over <see cref="Partitions"/> partitions, or RANGE with <see cref="Bounds"/>), and each
/// partition's placement (none when the table is being made).
/// </summary>
public sealed record CatalogTable(string Name, IReadOnlyList<ColumnSchema> Columns, string Method, string PartitionColumn, int Partitions,
    IReadOnlyList<string> Bounds, IReadOnlyList<CatalogPartition> PartitionList);

/// <summary>
/// A partition's copies (the first is preferred), those that missed a batch (not read until they catch up), its statistics
/// (null before the first ingest), and how many ingests have found a copy down.
/// </summary>
public sealed record CatalogPartition(int Index, IReadOnlyList<string> Nodes, IReadOnlyList<string> Stale, PartitionStats? Stats, long Misses);

/// <summary><c>POST /tables</c>: make the table and place its partitions on <see cref="Nodes"/>; copies on <see cref="Unready"/> start stale.</summary>
public sealed record CreateTableRequest(CatalogTable Table, IReadOnlyList<string> Nodes, IReadOnlyList<string> Unready);

/// <summary><c>POST /tables/{name}/drops</c>: the nodes that missed a DROP TABLE of the name, and those that have now done it.</summary>
public sealed record DropsRequest(IReadOnlyList<string> Missed, IReadOnlyList<string> Done);

/// <summary><c>POST /tables/{name}/ingests</c>: what one batch left in each partition it reached.</summary>
public sealed record IngestRecord(IReadOnlyList<PartitionIngested> Partitions);

/// <summary>A partition's fresh statistics after a batch (null when only a stale copy took it) and the copies that missed it.</summary>
public sealed record PartitionIngested(int Partition, PartitionStats? Stats, IReadOnlyList<string> Missed);

/// <summary><c>POST /tables/{name}/partitions/{partition}/fresh</c>: a copy caught up; marked fresh if the misses count is still <see cref="Misses"/>.</summary>
public sealed record FreshRequest(string Node, long Misses, PartitionStats? Stats);

/// <summary>The answer to <see cref="FreshRequest"/>.</summary>
public sealed record FreshResult(bool Marked);
