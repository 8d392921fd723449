using DuckDB.NET.Data;
using Platform.Query.Contracts;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryNode;

/// <summary>
/// <c>POST /fragments</c>: the operation node's SQL over the caller's tenant's partitions here, answered as Arrow. A
/// fragment whose caller goes away is interrupted in the engine (counted in <see cref="NodeTelemetry"/>).
/// </summary>
internal static class FragmentEndpoints
{
    public static void MapFragmentEndpoints(this WebApplication app) => app.MapPost("/fragments", RunAsync).RequireAuthorization()
        .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(Program.MaxBodyBytes));

    private static async Task<IResult> RunAsync(FragmentRequest request, HttpContext context, TenantDatabases databases, ILoggerFactory loggers)
    {
        var ct = context.RequestAborted;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Sql))
        {
            errors["sql"] = ["The fragment's SQL is required."];
        }

        var tables = request.Tables ?? [];
        var inputs = request.Inputs ?? [];
        var reads = new List<(FragmentTable Table, IReadOnlyList<ColumnSchema> Columns)>();
        for (var i = 0; i < tables.Count; i++)
        {
            RequestRules.Name(tables[i]?.Name, $"tables[{i}].name", errors);
            if (tables[i]?.Partitions is null || tables[i].Partitions.Any(p => p < 0))
            {
                errors[$"tables[{i}].partitions"] = ["The partitions are numbers from 0."];
            }

            if (RequestRules.Columns(tables[i]?.Columns, $"tables[{i}].columns", errors) is { } columns)
            {
                reads.Add((tables[i], columns));
            }
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            RequestRules.Name(inputs[i]?.Name, $"inputs[{i}].name", errors);
        }

        var names = tables.Select(t => t?.Name).Concat(inputs.Select(x => x?.Name)).OfType<string>().ToList();
        if (names.Count != names.Distinct(StringComparer.OrdinalIgnoreCase).Count())
        {
            errors["tables"] = ["Each table and input has a name of its own."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        try
        {
            return await RunFragmentAsync(request, reads, inputs, context, databases, loggers);
        }
        catch (Exception e) when (e is OperationCanceledException or DuckDBException && ct.IsCancellationRequested)
        {
            // The caller went away (its budget ran out, or its client left): the engine was interrupted and nobody reads an answer.
            NodeTelemetry.Cancelled.Add(1);
            return Results.Empty;
        }
    }

    private static async Task<IResult> RunFragmentAsync(FragmentRequest request, List<(FragmentTable Table, IReadOnlyList<ColumnSchema> Columns)> reads,
        IReadOnlyList<FragmentInput> inputs, HttpContext context, TenantDatabases databases, ILoggerFactory loggers)
    {
        var ct = context.RequestAborted;
        var database = databases.For(context.User.GetTenantId());
        await using var connection = database.Connect();
        // One snapshot across every partition the fragment reads; rolled back at the end, so a fragment changes nothing.
        await using var snapshot = await connection.BeginTransactionAsync(ct);
        try
        {
            foreach (var input in inputs)
            {
                using var rows = await ArrowPayload.DecodeAsync(input.Arrow, $"Input '{input.Name}'", ct);
                await FragmentRelations.CreateInputAsync(connection, input.Name, rows, ct);
            }
        }
        catch (Exception e) when (e is DuckDBException or InvalidDataException && !ct.IsCancellationRequested)
        {
            return Problem.Of(400, e is InvalidDataException ? ProblemTypes.Validation : ProblemTypes.InvalidQuery, "The fragment's relations could not be made", e.Message);
        }

        NodeTelemetry.Running.Add(1);
        try
        {
            return await ArrowAnswer.SendAsync(context, connection, FragmentRelations.WithTables(request.Sql, reads, database.Tables), loggers.CreateLogger("Platform.QueryNode.Fragments"));
        }
        finally
        {
            NodeTelemetry.Running.Add(-1);
        }
    }
}
