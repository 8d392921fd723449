using DuckDB.NET.Data;
using Platform.Query.Contracts;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryNode;

/// <summary>
/// The upkeep of the caller's tenant's partitions here: a table's removal, and what a copy that missed batches is
/// brought up to date with (the batches a partition has taken, and one batch's rows as Arrow).
/// </summary>
internal static class PartitionEndpoints
{
    public static void MapPartitionEndpoints(this WebApplication app)
    {
        app.MapDelete("/tables/{table}", DropAsync).RequireAuthorization();
        app.MapGet("/partitions/{table}/{partition:int}/batches", BatchesAsync).RequireAuthorization();
        app.MapGet("/partitions/{table}/{partition:int}/batches/{batchId}", BatchRowsAsync).RequireAuthorization();
    }

    private static async Task<IResult> DropAsync(string table, HttpContext context, TenantDatabases databases)
    {
        if (!PartitionTables.IsName(table))
        {
            return Results.NoContent(); // no table can have such a name, so there is nothing to drop
        }

        var ct = context.RequestAborted;
        var name = table.ToLowerInvariant();
        await databases.For(context.User.GetTenantId()).WriteAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var command = connection.CreateCommand();
            foreach (var partition in PartitionTables.OfTable(connection, name))
            {
                command.CommandText = $"DROP TABLE {PartitionTables.Quote(partition)}";
                await command.ExecuteNonQueryAsync(ct);
            }

            command.CommandText = $"DELETE FROM {PartitionTables.Ledger} WHERE table_name = $1";
            command.Parameters.Add(new DuckDBParameter(name));
            await command.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> BatchesAsync(string table, int partition, HttpContext context, TenantDatabases databases)
    {
        if (!PartitionTables.IsName(table) || partition < 0)
        {
            return Results.Ok(new PartitionBatches([])); // no partition can have such a name
        }

        await using var connection = databases.For(context.User.GetTenantId()).Connect();
        return Results.Ok(new PartitionBatches(await PartitionIngest.BatchesAsync(connection, table.ToLowerInvariant(), partition, context.RequestAborted)));
    }

    private static async Task<IResult> BatchRowsAsync(string table, int partition, string batchId, HttpContext context, TenantDatabases databases, ILoggerFactory loggers)
    {
        var ct = context.RequestAborted;
        var name = table.ToLowerInvariant();
        if (!PartitionTables.IsName(table) || partition < 0)
        {
            return Problem.NotFound($"There is no partition {partition} of '{table}' here.");
        }

        await using var connection = databases.For(context.User.GetTenantId()).Connect();
        await using var snapshot = await connection.BeginTransactionAsync(ct); // the ledger and the rows as of one moment
        var partitionTable = PartitionTables.Name(name, partition);
        if (await PartitionIngest.SequenceOfAsync(connection, name, partition, batchId, ct) is not { } seq
            || await PartitionTables.ColumnsAsync(connection, partitionTable, ct) is not { } columns)
        {
            return Problem.NotFound($"Partition {partition} of '{name}' has not taken batch '{batchId}' here.");
        }

        var sql = $"SELECT {string.Join(", ", columns.Select(c => PartitionTables.Quote(c.Name)))} FROM {PartitionTables.Quote(partitionTable)} WHERE {PartitionTables.BatchColumn} = {seq}";
        return await ArrowAnswer.SendAsync(context, connection, sql, loggers.CreateLogger("Platform.QueryNode.Partitions"));
    }
}
