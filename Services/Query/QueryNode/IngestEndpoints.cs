using Platform.Query.Contracts;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryNode;

/// <summary><c>POST /ingest</c>: one batch of Arrow rows into one partition of the caller's tenant, once per batch id.</summary>
internal static class IngestEndpoints
{
    public static void MapIngestEndpoints(this WebApplication app) => app.MapPost("/ingest", IngestAsync).RequireAuthorization()
        .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(Program.MaxBodyBytes));

    private static async Task<IResult> IngestAsync(IngestRequest request, HttpContext context, TenantDatabases databases)
    {
        var ct = context.RequestAborted;
        var errors = new Dictionary<string, string[]>();
        RequestRules.Name(request.Table, "table", errors);
        if (request.Partition < 0)
        {
            errors["partition"] = ["A partition is a number from 0."];
        }

        if (string.IsNullOrEmpty(request.BatchId) || request.BatchId.Length > 200)
        {
            errors["batchId"] = ["A batch id is 1 to 200 characters."];
        }

        var columns = RequestRules.Columns(request.Columns, "columns", errors);
        if (columns is null || errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        ArrowPayload rows;
        try
        {
            rows = await ArrowPayload.DecodeAsync(request.Arrow, "The batch", ct);
        }
        catch (InvalidDataException e)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["arrow"] = [e.Message] });
        }

        using (rows)
        {
            if (!RequestRules.SameColumns(rows.Columns, columns))
            {
                return Problem.Validation(new Dictionary<string, string[]> { ["arrow"] = [$"The rows' columns ({Describe(rows.Columns)}) are not the request's ({Describe(columns)})."] });
            }

            var table = request.Table.ToLowerInvariant();
            var database = databases.For(context.User.GetTenantId());
            var outcome = await database.WriteAsync(connection => PartitionIngest.AppendAsync(connection, table, request.Partition, request.BatchId, columns, rows, ct), ct);
            if (outcome is IngestOutcome.ColumnsDiffer differ)
            {
                return Problem.Conflict($"Partition {request.Partition} of '{table}' has the columns ({Describe(differ.Existing)}); this batch has ({Describe(columns)}).");
            }

            await using var connection = database.Connect(); // statistics read a snapshot, without holding up the next write
            var stats = await PartitionStatistics.ComputeAsync(connection, PartitionTables.Name(table, request.Partition), columns, ct);
            return Results.Ok(outcome is IngestOutcome.Appended appended
                ? new IngestResult(appended.Rows, Duplicate: false, stats)
                : new IngestResult(0, Duplicate: true, stats));
        }
    }

    private static string Describe(IEnumerable<ColumnSchema> columns) => string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}"));
}
