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
/// Appends a batch to a partition at most once: the ledger row and the rows (tagged with the batch's number) commit
/// together, so a batch sent again (a retry, a copy catching up) finds its id and changes nothing.
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
            await ExecuteAsync(connection, PartitionTables.CreatePartitionSql(name, columns), [], ct);
        }
        else if (!RequestRules.SameColumns(existing, columns))
        {
            return new IngestOutcome.ColumnsDiffer(existing);
        }

        var seq = 1 + await ScalarAsync(connection, $"SELECT coalesce(max(seq), 0) FROM {PartitionTables.Ledger} WHERE table_name = $1 AND partition = $2", [table, partition], ct);
        foreach (var batch in rows.Batches)
        {
            ArrowRows.AppendTo(connection, name, batch, seq);
        }

        await ExecuteAsync(connection, $"INSERT INTO {PartitionTables.Ledger} VALUES ($1, $2, $3, $4)", [table, partition, batchId, seq], ct);
        await transaction.CommitAsync(ct);
        return new IngestOutcome.Appended(rows.Rows);
    }

    /// <summary>The batches a partition has taken, in the order they came.</summary>
    public static async Task<IReadOnlyList<string>> BatchesAsync(DuckDBConnection connection, string table, int partition, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT batch_id FROM {PartitionTables.Ledger} WHERE table_name = $1 AND partition = $2 ORDER BY seq";
        command.Parameters.Add(new DuckDBParameter(table));
        command.Parameters.Add(new DuckDBParameter(partition));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var batches = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            batches.Add(reader.GetString(0));
        }

        return batches;
    }

    /// <summary>The number a batch has in a partition (the value of its rows' batch column); null when the partition never took it.</summary>
    public static async Task<long?> SequenceOfAsync(DuckDBConnection connection, string table, int partition, string batchId, CancellationToken ct)
    {
        var seq = await ScalarAsync(connection, $"SELECT coalesce(max(seq), 0) FROM {PartitionTables.Ledger} WHERE table_name = $1 AND partition = $2 AND batch_id = $3", [table, partition, batchId], ct);
        return seq == 0 ? null : seq;
    }

    private static async Task<bool> InLedgerAsync(DuckDBConnection connection, string table, int partition, string batchId, CancellationToken ct)
        => await SequenceOfAsync(connection, table, partition, batchId, ct) is not null;

    private static async Task<long> ScalarAsync(DuckDBConnection connection, string sql, object[] parameters, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(parameter));
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
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
