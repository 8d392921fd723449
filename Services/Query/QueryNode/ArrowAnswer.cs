using DuckDB.NET.Data;
using Platform.Query.Contracts;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryNode;

/// <summary>A query's rows as the response, an Arrow IPC stream written while the engine produces them.</summary>
internal static class ArrowAnswer
{
    /// <summary>
    /// Runs <paramref name="query"/> and streams its rows. An engine error before the first batch is out is a 400 with the
    /// engine's message; after it, the connection is cut, because a stream merely ended early would read as complete.
    /// </summary>
    public static async Task<IResult> SendAsync(HttpContext context, DuckDBConnection connection, string query, ILogger logger)
    {
        var ct = context.RequestAborted;
        await using var command = connection.CreateCommand();
        command.CommandText = query;
        command.UseStreamingMode = true; // rows leave as the engine makes them, instead of after it has held them all
        await using var cancel = ct.Register(command.Cancel); // an aborted request stops the engine's work, not only our reading
        try
        {
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                if (reader.HasRows)
                {
                    context.Response.ContentType = ArrowRows.MediaType;
                    await ArrowRows.WriteAsync(reader, context.Response.Body, ct);
                    return Results.Empty;
                }
            }

            // The engine's reader cannot type an empty result's DECIMAL columns (it reads them off the first chunk); its binder can.
            return Results.Bytes(ArrowRows.Build(await ResultColumns.DescribeAsync(connection, query, ct), []), ArrowRows.MediaType);
        }
        catch (Exception e) when (e is DuckDBException or NotSupportedException or FormatException && !ct.IsCancellationRequested)
        {
            if (!context.Response.HasStarted)
            {
                return Problem.Of(400, ProblemTypes.InvalidQuery, "The query failed", e.Message);
            }

            logger.LogWarning("A query failed after its answer had begun; the connection is cut: {Error}", e.Message);
            context.Abort();
            return Results.Empty;
        }
    }
}
