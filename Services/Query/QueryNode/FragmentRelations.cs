using DuckDB.NET.Data;
using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>
/// The names a fragment's SQL reads, made on its own connection (temporary objects are per connection, so concurrent
/// fragments never see each other's): a view per table over the partitions held here, a table per input sent along.
/// </summary>
internal static class FragmentRelations
{
    /// <summary>A view of the listed partitions this node holds, typed as listed; an empty relation of those columns when it holds none.</summary>
    public static async Task CreateViewAsync(DuckDBConnection connection, FragmentTable table, IReadOnlyList<ColumnSchema> columns, ISet<string> existing, CancellationToken ct)
    {
        var held = table.Partitions.Distinct().Select(p => PartitionTables.Name(table.Name, p)).Where(existing.Contains).ToList();
        var select = string.Join(", ", columns.Select(c => $"CAST({PartitionTables.Quote(c.Name)} AS {c.Type}) AS {PartitionTables.Quote(c.Name)}"));
        var body = held.Count == 0
            ? $"SELECT {string.Join(", ", columns.Select(c => $"CAST(NULL AS {c.Type}) AS {PartitionTables.Quote(c.Name)}"))} WHERE false"
            : string.Join(" UNION ALL ", held.Select(name => $"SELECT {select} FROM {PartitionTables.Quote(name)}"));
        await ExecuteAsync(connection, $"CREATE TEMP VIEW {PartitionTables.Quote(table.Name)} AS {body}", ct);
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
