using System.Text;
using DuckDB.NET.Data;
using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>What the optimizer plans with, computed over a whole partition in one scan.</summary>
internal static class PartitionStatistics
{
    public static async Task<PartitionStats> ComputeAsync(DuckDBConnection connection, string partition, IReadOnlyList<ColumnSchema> columns, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT count(*)");
        foreach (var column in columns)
        {
            var name = PartitionTables.Quote(column.Name);
            // The extremes are taken in the column's own order and only then printed: text order would put 10 before 9.
            sql.Append($", CAST(min({name}) AS VARCHAR), CAST(max({name}) AS VARCHAR), approx_count_distinct({name}), count({name})");
        }

        sql.Append($" FROM {PartitionTables.Quote(partition)}");
        await using var command = connection.CreateCommand();
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var rows = reader.GetInt64(0);
        var stats = new List<ColumnStats>(columns.Count);
        for (var i = 0; i < columns.Count; i++)
        {
            var at = 1 + (i * 4);
            var nulls = rows - reader.GetInt64(at + 3);
            stats.Add(new ColumnStats(
                columns[i].Name,
                reader.IsDBNull(at) ? null : reader.GetString(at),
                reader.IsDBNull(at + 1) ? null : reader.GetString(at + 1),
                reader.GetInt64(at + 2),
                rows == 0 ? 0 : (double)nulls / rows));
        }

        return new PartitionStats(rows, stats);
    }
}
