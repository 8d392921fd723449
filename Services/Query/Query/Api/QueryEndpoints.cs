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
/// /api/query/tables/{table}/rows</c>, bulk ingest of CSV or NDJSON, idempotent per <c>batchId</c>.
/// </summary>
internal static class QueryEndpoints
{
    /// <summary>The largest ingest batch; bigger data goes in several batches.</summary>
    public const long MaxBatchBytes = 256L << 20;

    public static void MapQueryEndpoints(this WebApplication app)
    {
        app.MapPost("/api/query", QueryAsync).RequireAuthorization();
        app.MapPost("/api/query/tables/{table}/rows", IngestAsync).RequireAuthorization();
    }

    private static async Task<IResult> QueryAsync(QueryRequest request, HttpContext context, MetadataCatalog catalog, Coordinator coordinator, Ingestor ingestor,
        TenantNodes nodes, NodeClient client, QueryAdmission admission, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(request.Sql))
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["sql"] = ["A statement is required."] });
        }

        var budget = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs ?? configuration.GetValue("Query:TimeoutMs", 30_000), 1, 300_000));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(budget);
        var tenant = context.User.GetTenantId();
        var token = context.Request.Headers.Authorization.ToString()["Bearer ".Length..];
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var slot = await admission.EnterAsync(deadline.Token);
            switch (SqlParser.Parse(request.Sql))
            {
                case Select select:
                    var plan = DistributedPlanner.Plan(select, await TablesAsync(catalog, tenant, select, deadline.Token));
                    var execution = await coordinator.ExecuteAsync(plan, token, deadline.Token);
                    await using (execution)
                    {
                        await using var command = execution.Local.CreateCommand();
                        command.CommandText = plan.FinalSql;
                        await using var reader = await command.ExecuteReaderAsync(deadline.Token);
                        await WriteAsync(context, reader, execution, PlanText.Lines(plan), started, deadline.Token);
                        return Results.Empty;
                    }

                case Explain explain:
                    var explained = DistributedPlanner.Plan(explain.Query, await TablesAsync(catalog, tenant, explain.Query, deadline.Token));
                    if (!explain.Analyze)
                    {
                        return Text("QUERY PLAN", PlanText.Lines(explained), started);
                    }

                    await using (var analyzed = await coordinator.ExecuteAsync(explained, token, deadline.Token))
                    {
                        await using var command = analyzed.Local.CreateCommand();
                        command.CommandText = explained.FinalSql;
                        await using var reader = await command.ExecuteReaderAsync(deadline.Token);
                        long produced = 0;
                        while (await reader.ReadAsync(deadline.Token))
                        {
                            produced++;
                        }

                        var lines = PlanText.Lines(explained, analyzed, produced).Append($"Execution: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms on {string.Join(", ", analyzed.Nodes)}");
                        return Text("QUERY PLAN", [.. lines], started);
                    }

                case CreateTable create:
                    var created = await catalog.CreateAsync(tenant, TableDefinition.From(create), nodes.Names, deadline.Token);
                    return created || create.IfNotExists
                        ? Command(created ? "CREATE TABLE" : "CREATE TABLE (it exists)", started)
                        : Problem.Of(409, ProblemTypes.Conflict, "Conflict", $"relation \"{create.Name}\" already exists");

                case DropTable drop:
                    if (!await catalog.DropAsync(tenant, drop.Name, deadline.Token))
                    {
                        return drop.IfExists ? Command("DROP TABLE (it did not exist)", started) : NoTable(drop.Name, drop.At);
                    }

                    await Task.WhenAll(nodes.Names.Select(async node =>
                    {
                        try
                        {
                            await client.DropAsync(node, drop.Name, token, deadline.Token);
                        }
                        catch (NodeDownException)
                        {
                            // Its copies of the table's partitions are unreachable through the catalog already; a table made
                            // again by the same name places new partitions that a node's leftovers would join: nodes drop them on create.
                        }
                    }));
                    return Command("DROP TABLE", started);

                case Insert insert:
                    var table = (await TablesAsync(catalog, tenant, insert.Table, insert.At, deadline.Token))[insert.Table];
                    var rows = InsertRows.Of(table, insert);
                    var batch = context.Request.Headers["Idempotency-Key"].FirstOrDefault() ?? Guid.NewGuid().ToString("N");
                    var outcome = await ingestor.IngestAsync(tenant, table, batch, rows, token, deadline.Token);
                    return Command($"INSERT 0 {(outcome.Duplicate ? 0 : outcome.Rows)}", started);

                default:
                    return Problem.Of(400, ProblemTypes.Validation, "Not supported", "This statement is not supported.");
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
            return Problem.Of(e.Status, e.Status == 503 ? ProblemTypes.DependencyUnavailable : ProblemTypes.InvalidQuery, e.Status == 503 ? "Unavailable" : "Query failed", e.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            return Problem.Of(504, ProblemTypes.QueryTimeout, "Query timed out",
                $"The query ran past its budget of {budget.TotalMilliseconds:0} ms; its fragments on the tenant nodes were cancelled.");
        }
    }

    private static async Task<IResult> IngestAsync(string table, string? batchId, HttpContext context, MetadataCatalog catalog, Ingestor ingestor)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBatchBytes;
        }

        var tenant = context.User.GetTenantId();
        var info = await catalog.FindAsync(tenant, table, context.RequestAborted);
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

        var token = context.Request.Headers.Authorization.ToString()["Bearer ".Length..];
        try
        {
            var outcome = await ingestor.IngestAsync(tenant, info, batchId ?? Guid.NewGuid().ToString("N"), rows, token, context.RequestAborted);
            return Results.Ok(new { table, batchId, rows = outcome.Duplicate ? 0 : outcome.Rows, received = rows.Count, outcome.Partitions, outcome.Duplicate });
        }
        catch (QueryFailedException e)
        {
            return Problem.Of(e.Status, e.Status == 503 ? ProblemTypes.DependencyUnavailable : ProblemTypes.InvalidQuery, e.Status == 503 ? "Unavailable" : "Ingest failed", e.Message);
        }
    }

    private static async Task<IReadOnlyDictionary<string, TableInfo>> TablesAsync(MetadataCatalog catalog, Guid tenant, Select query, CancellationToken cancellationToken)
    {
        var refs = DistributedPlanner.TableRefs(query.From).ToList();
        var tables = await catalog.FindAsync(tenant, [.. refs.Select(r => r.Name).Distinct()], cancellationToken);
        return refs.FirstOrDefault(r => !tables.ContainsKey(r.Name)) is { } missing
            ? throw new PlanningException($"relation \"{missing.Name}\" does not exist", missing.At)
            : tables;
    }

    private static async Task<IReadOnlyDictionary<string, TableInfo>> TablesAsync(MetadataCatalog catalog, Guid tenant, string name, Position at, CancellationToken cancellationToken)
    {
        var tables = await catalog.FindAsync(tenant, [name], cancellationToken);
        return tables.ContainsKey(name) ? tables : throw new PlanningException($"relation \"{name}\" does not exist", at);
    }

    private static IResult Positioned(string message, Position at)
        => Problem.Of(400, ProblemTypes.InvalidQuery, "Invalid query", $"{message} at line {at.Line}, column {at.Column}",
            new Dictionary<string, object?> { ["line"] = at.Line, ["column"] = at.Column });

    private static IResult NoTable(string name, Position at) => Positioned($"relation \"{name}\" does not exist", at);

    private static IResult Command(string tag, long started)
        => Results.Ok(new { columns = Array.Empty<object>(), rows = Array.Empty<object>(), command = tag, stats = new { elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds } });

    private static IResult Text(string column, IReadOnlyList<string> lines, long started)
        => Results.Ok(new
        {
            columns = new[] { new { name = column, type = "VARCHAR" } },
            rows = lines.Select(l => new[] { l }),
            stats = new { elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds },
        });

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
            json.WriteString("type", reader.GetDataTypeName(i));
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
