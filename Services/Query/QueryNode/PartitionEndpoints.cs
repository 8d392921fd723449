using DuckDB.NET.Data;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryNode;

/// <summary>A partition's rows for a replica catching up, and a table's removal, in the caller's tenant.</summary>
internal static class PartitionEndpoints
{
    public static void MapPartitionEndpoints(this WebApplication app)
    {
        app.MapGet("/partitions/{table}/{partition:int}", ReadAsync).RequireAuthorization();
        app.MapDelete("/tables/{table}", DropAsync).RequireAuthorization();
    }

    private static async Task<IResult> ReadAsync(string table, int partition, HttpContext context, TenantDatabases databases, ILoggerFactory loggers)
    {
        if (!PartitionTables.IsName(table) || partition < 0)
        {
            return Problem.NotFound($"There is no partition {partition} of '{table}'.");
        }

        var ct = context.RequestAborted;
        var name = PartitionTables.Name(table, partition);
        await using var connection = databases.For(context.User.GetTenantId()).Connect();
        await using var snapshot = await connection.BeginTransactionAsync(ct); // the table seen to exist is the one read
        return await PartitionTables.ColumnsAsync(connection, name, ct) is null
            ? Problem.NotFound($"There is no partition {partition} of '{table}'.")
            : await ArrowAnswer.SendAsync(context, connection, $"SELECT * FROM {PartitionTables.Quote(name)}", loggers.CreateLogger("Platform.QueryNode.Partitions"));
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
            foreach (var partition in await PartitionTables.OfTableAsync(connection, name, ct))
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
}
