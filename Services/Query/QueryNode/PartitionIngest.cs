using DuckDB.NET.Data;
using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>What became of an ingest batch.</summary>
internal abstract record IngestOutcome
{
    public sealed record Appended(long Rows) : IngestOutcome;

    public sealed record Duplicate : IngestOutcome;

    public sealed record ColumnsDiffer(IReadOnlyList<ColumnSchema> Existing) : IngestOutcome;
}

/// <summary>
/// Appends a batch to a partition at most once: the ledger row and the rows commit together, so a batch sent again (a retry,
/// a replica catching up) finds its id and changes nothing.
/// </summary>
internal static class PartitionIngest
{
    public static async Task<IngestOutcome> AppendAsync(DuckDBConnection connection, string table, int partition, string batchId, IReadOnlyList<ColumnSchema> columns, ArrowPayload rows, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await InLedgerAsync(connection, table, partition, batchId, ct))
        {
            return new IngestOutcome.Duplicate();
        }

        var name = PartitionTables.Name(table, partition);
        var existing = await PartitionTables.ColumnsAsync(connection, name, ct);
        if (existing is null)
        {
            await ExecuteAsync(connection, PartitionTables.CreateSql(name, columns), [], ct);
        }
        else if (!RequestRules.SameColumns(existing, columns))
        {
            return new IngestOutcome.ColumnsDiffer(existing);
        }

        foreach (var batch in rows.Batches)
        {
            ArrowRows.AppendTo(connection, name, batch);
        }

        await ExecuteAsync(connection, $"INSERT INTO {PartitionTables.Ledger} VALUES ($1, $2, $3)", [table, partition, batchId], ct);
        await transaction.CommitAsync(ct);
        return new IngestOutcome.Appended(rows.Rows);
    }

    private static async Task<bool> InLedgerAsync(DuckDBConnection connection, string table, int partition, string batchId, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {PartitionTables.Ledger} WHERE table_name = $1 AND partition = $2 AND batch_id = $3";
        command.Parameters.Add(new DuckDBParameter(table));
        command.Parameters.Add(new DuckDBParameter(partition));
        command.Parameters.Add(new DuckDBParameter(batchId));
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql, object[] parameters, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter));
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}
