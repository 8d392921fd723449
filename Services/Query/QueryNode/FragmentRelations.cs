using DuckDB.NET.Data;
using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>
/// The names a fragment's SQL reads: each table as a common table expression over the partitions held here, and each
/// input sent along as a table on the fragment's own connection (temporary, so concurrent fragments never see each other's).
/// </summary>
internal static class FragmentRelations
{
    /// <summary>
    /// The fragment's SQL with each table it reads defined in front of it (a common table expression, inlined where it
    /// is read): the union of the listed partitions this node holds, typed as listed, or an empty relation of those
    /// columns when it holds none. One statement, no objects made in the engine's catalog.
    /// </summary>
    public static string WithTables(string sql, IReadOnlyList<(FragmentTable Table, IReadOnlyList<ColumnSchema> Columns)> tables, IReadOnlySet<string> existing)
    {
        if (tables.Count == 0)
        {
            return sql;
        }

        var definitions = tables.Select(t =>
        {
            var held = t.Table.Partitions.Distinct().Select(p => PartitionTables.Name(t.Table.Name, p)).Where(existing.Contains).ToList();
            var select = string.Join(", ", t.Columns.Select(c => $"CAST({PartitionTables.Quote(c.Name)} AS {c.Type}) AS {PartitionTables.Quote(c.Name)}"));
            var body = held.Count == 0
                ? $"SELECT {string.Join(", ", t.Columns.Select(c => $"CAST(NULL AS {c.Type}) AS {PartitionTables.Quote(c.Name)}"))} WHERE false"
                : string.Join(" UNION ALL ", held.Select(name => $"SELECT {select} FROM {PartitionTables.Quote(name)}"));
            return $"{PartitionTables.Quote(t.Table.Name)} AS NOT MATERIALIZED ({body})";
        });
        return $"WITH {string.Join(", ", definitions)} {sql}";
    }

    public static async Task CreateInputAsync(DuckDBConnection connection, string name, ArrowPayload rows, CancellationToken ct)
    {
        await ExecuteAsync(connection, PartitionTables.CreateSql(name, rows.Columns, temporary: true), ct);
        foreach (var batch in rows.Batches)
        {
            ArrowRows.AppendTo(connection, name, batch);
        }
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
