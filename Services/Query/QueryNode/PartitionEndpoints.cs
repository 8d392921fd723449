using DuckDB.NET.Data;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryNode;

/// <summary>A table's removal from the caller's tenant: every partition of it this node holds, and its ingest ledger.</summary>
internal static class PartitionEndpoints
{
    public static void MapPartitionEndpoints(this WebApplication app)
    {
        app.MapDelete("/tables/{table}", DropAsync).RequireAuthorization();
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
