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
        try
        {
            context.Response.ContentType = ArrowRows.MediaType; // sent with the first bytes; a 400 before them replaces it
            await ArrowRows.WriteQueryAsync(connection, query, context.Response.Body, ct);
            return Results.Empty;
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
