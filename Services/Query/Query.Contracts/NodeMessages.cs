namespace Platform.Query.Contracts;

/// <summary>A column as the engine names its type: BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP.</summary>
public sealed record ColumnSchema(string Name, string Type);

/// <summary>
/// A table a fragment reads on one node: the node exposes it to the fragment's SQL under <see cref="Name"/> as the union
/// of the listed partitions it holds (an empty relation of these columns when it holds none of them yet).
/// </summary>
public sealed record FragmentTable(string Name, IReadOnlyList<ColumnSchema> Columns, IReadOnlyList<int> Partitions);

/// <summary>A relation the operation node sends along (the small side of a broadcast join), as an Arrow IPC stream in base64.</summary>
public sealed record FragmentInput(string Name, string Arrow);

/// <summary>
/// <c>POST /fragments</c> on a tenant node, with the user's token (the node opens only that token's tenant's database):
/// run <see cref="Sql"/> over <see cref="Tables"/> and <see cref="Inputs"/>; the answer is an Arrow IPC stream.
/// </summary>
public sealed record FragmentRequest(string Sql, IReadOnlyList<FragmentTable> Tables, IReadOnlyList<FragmentInput> Inputs);

/// <summary>
/// <c>POST /ingest</c> on a tenant node: append the rows (an Arrow IPC stream in base64) to one partition of a table,
/// once per <see cref="BatchId"/> (a batch seen before changes nothing and answers <see cref="IngestResult.Duplicate"/>).
/// </summary>
public sealed record IngestRequest(string Table, int Partition, string BatchId, IReadOnlyList<ColumnSchema> Columns, string Arrow);

/// <summary>What a partition holds after an ingest: the statistics the optimizer plans with.</summary>
public sealed record IngestResult(long Inserted, bool Duplicate, PartitionStats Stats);

public sealed record PartitionStats(long Rows, IReadOnlyList<ColumnStats> Columns);

/// <summary>A column's statistics in one partition; Min and Max as the engine prints them (numbers, ISO dates), null when every value is null.</summary>
public sealed record ColumnStats(string Name, string? Min, string? Max, long Distinct, double NullFraction);

/// <summary><c>GET /partitions/{table}/{partition}/batches</c> on a tenant node: the batches the partition has taken there, in the order they came.</summary>
public sealed record PartitionBatches(IReadOnlyList<string> Batches);
