using Microsoft.AspNetCore.Authentication;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Platform.Query.Catalog;
using Platform.Query.Execution;
using Platform.Query.Planning;
using Platform.Query.Sql;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Query.Api;

public sealed record QueryRequest(string? Sql, int? TimeoutMs);

/// <summary>
/// <c>POST /api/query</c> <c>{sql, timeoutMs?}</c>: any statement of the dialect in the caller's tenant, answered as
/// <c>{columns, rows, stats}</c> with rows streamed as the final step produces them; and <c>POST
/// /api/query/tables/{table}/rows</c>, bulk ingest of CSV or NDJSON, idempotent per <c>batchId</c>; <c>GET
/// /api/query/tables/{table}</c>, the table as the catalog holds it (columns, partitioning, each partition's copies).
/// </summary>
internal static class QueryEndpoints
{
    /// <summary>The largest ingest batch; bigger data goes in several batches.</summary>
    public const long MaxBatchBytes = 256L << 20;

    public static void MapQueryEndpoints(this WebApplication app)
    {
        app.MapPost("/api/query", QueryAsync).RequireAuthorization();
        app.MapPost("/api/query/tables/{table}/rows", IngestAsync).RequireAuthorization();
        app.MapGet("/api/query/tables/{table}", DescribeAsync).RequireAuthorization();
    }

    /// <summary>Partition discovery: where each partition's copies are, which of them are stale (not read until caught up), the rows it holds.</summary>
    private static async Task<IResult> DescribeAsync(string table, HttpContext context, CatalogClient catalog)
    {
        TableInfo? info;
        try
        {
            info = await catalog.FindAsync(await BearerAsync(context), table, context.RequestAborted);
        }
        catch (QueryFailedException e)
        {
            return Failed(e);
        }

        if (info is null)
        {
            return Problem.NotFound($"relation \"{table}\" does not exist");
        }

        return Results.Ok(new
        {
            info.Name,
            Columns = info.Schema,
            PartitionBy = new { info.Method, Column = info.PartitionColumn, info.Partitions, info.Bounds },
            info.Rows,
            Partitions = info.PartitionList.Select(p => new { Partition = p.Index, p.Nodes, p.Stale, p.Rows }),
        });
    }

    private static async Task<IResult> QueryAsync(QueryRequest request, HttpContext context, StatementRunner runner, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(request.Sql))
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["sql"] = ["A statement is required."] });
        }

        var budget = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs ?? configuration.GetValue("Query:TimeoutMs", 30_000), 1, 300_000));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(budget);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await runner.RunAsync(request.Sql, context.User.GetTenantId(), await BearerAsync(context), context.Request.Headers["Idempotency-Key"].FirstOrDefault(), deadline.Token);
            switch (outcome)
            {
                case RowsOutcome rows:
                    await using (rows)
                    {
                        try
                        {
                            await WriteAsync(context, rows.Reader, rows.Execution, rows.Plan, started, deadline.Token);
                        }
                        catch (Exception) when (context.Response.HasStarted)
                        {
                            context.Abort(); // rows already went out with a 200: a cut connection, not a complete-looking answer
                        }

                        return Results.Empty;
                    }

                case TextOutcome text:
                    return Results.Ok(new
                    {
                        columns = new[] { new { name = text.Column, type = "VARCHAR" } },
                        rows = text.Lines.Select(l => new[] { l }),
                        stats = new { elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds },
                    });

                default:
                    return Results.Ok(new
                    {
                        columns = Array.Empty<object>(),
                        rows = Array.Empty<object>(),
                        command = ((CommandOutcome)outcome).Tag,
                        stats = new { elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds },
                    });
            }
        }
        catch (SqlSyntaxException e)
        {
            return Positioned(e.Reason, e.At);
        }
        catch (PlanningException e)
        {
            return Positioned(e.Message, e.At);
        }
        catch (QueryFailedException e)
        {
            return Failed(e);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            return Problem.Of(504, ProblemTypes.QueryTimeout, "Query timed out",
                $"The query ran past its budget of {budget.TotalMilliseconds:0} ms; its fragments on the tenant nodes were cancelled.");
        }
    }

    /// <summary>The caller's own token, which fragments carry to the nodes (saved by the platform's JWT validation).</summary>
    private static async Task<string> BearerAsync(HttpContext context)
        => await context.GetTokenAsync("access_token") ?? throw new InvalidOperationException("An authenticated request without its token.");

    private static IResult Failed(QueryFailedException e) => e.Status switch
    {
        503 => Problem.Of(503, ProblemTypes.DependencyUnavailable, "Unavailable", e.Message),
        409 => Problem.Conflict(e.Message),
        401 or 403 => Problem.Of(e.Status, ProblemTypes.ForStatus(e.Status), e.Status == 401 ? "Unauthorized" : "Forbidden", e.Message),
        _ => Problem.Of(e.Status, ProblemTypes.InvalidQuery, "Query failed", e.Message),
    };

    private static async Task<IResult> IngestAsync(string table, string? batchId, HttpContext context, CatalogClient catalog, Ingestor ingestor)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBatchBytes;
        }

        var tenant = context.User.GetTenantId();
        var token = await BearerAsync(context);
        TableInfo? info;
        try
        {
            info = await catalog.FindAsync(token, table, context.RequestAborted);
        }
        catch (QueryFailedException e)
        {
            return Failed(e);
        }

        if (info is null)
        {
            return Problem.NotFound($"relation \"{table}\" does not exist");
        }

        var mediaType = context.Request.ContentType?.Split(';')[0].Trim();
        List<object?[]> rows;
        try
        {
            rows = mediaType switch
            {
                "text/csv" => await RowFormats.ReadCsvAsync(info, context.Request.Body, context.RequestAborted),
                "application/x-ndjson" or "application/jsonl" => await RowFormats.ReadNdjsonAsync(info, context.Request.Body, context.RequestAborted),
                _ => null!,
            };
        }
        catch (FormatException e)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["rows"] = [e.Message] }, "The batch was refused; nothing of it was stored.");
        }

        if (rows is null)
        {
            return Problem.Of(415, ProblemTypes.UnsupportedMediaType, "Unsupported media type", "Rows come as text/csv (with a header row) or application/x-ndjson.");
        }

        batchId ??= Guid.NewGuid().ToString("N"); // answered, so a client that did not name the batch can send it again safely
        try
        {
            var outcome = await ingestor.IngestAsync(tenant, info, batchId, rows, token, context.RequestAborted);
            return Results.Ok(new { table, batchId, rows = outcome.Duplicate ? 0 : outcome.Rows, received = rows.Count, outcome.Partitions, outcome.Duplicate });
        }
        catch (QueryFailedException e)
        {
            return Failed(e);
        }
    }

    private static IResult Positioned(string message, Position at)
        => Problem.Of(400, ProblemTypes.InvalidQuery, "Invalid query", $"{message} at line {at.Line}, column {at.Column}",
            new Dictionary<string, object?> { ["line"] = at.Line, ["column"] = at.Column });

    /// <summary>Streams the answer: columns first, rows as the final step yields them (flushed every few thousand), the figures last.</summary>
    private static async Task WriteAsync(HttpContext context, DbDataReader reader, QueryExecution execution, IReadOnlyList<string> plan, long started, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteStartArray("columns");
        for (var i = 0; i < reader.FieldCount; i++)
        {
            json.WriteStartObject();
            json.WriteString("name", reader.GetName(i));
            json.WriteString("type", reader.GetDataTypeName(i).ToUpperInvariant());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("rows");
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            json.WriteStartArray();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                WriteValue(json, reader.IsDBNull(i) ? null : reader.GetValue(i));
            }

            json.WriteEndArray();
            if (++rows % 4096 == 0)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        json.WriteEndArray();
        json.WriteStartObject("stats");
        json.WriteNumber("elapsedMs", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2));
        json.WriteNumber("rows", rows);
        json.WriteNumber("rowsScanned", execution.RowsScanned);
        json.WriteNumber("partitionsScanned", execution.PartitionsScanned);
        json.WriteStartArray("nodes");
        foreach (var node in execution.Nodes)
        {
            json.WriteStringValue(node);
        }

        json.WriteEndArray();
        json.WriteString("plan", string.Join('\n', plan));
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case long or int or short or sbyte or byte or ushort or uint or ulong or decimal or BigInteger:
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumberValue(f);
                break;
            case DateOnly d:
                json.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTime t:
                json.WriteStringValue(t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
