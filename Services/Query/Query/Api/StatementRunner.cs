using System.Data.Common;
using Platform.Query.Catalog;
using Platform.Query.Execution;
using Platform.Query.Planning;
using Platform.Query.Sql;

namespace Platform.Query.Api;

/// <summary>What a statement produced: a command tag, text lines (EXPLAIN), or rows to read (dispose it when read).</summary>
public abstract record StatementOutcome;

public sealed record CommandOutcome(string Tag) : StatementOutcome;

public sealed record TextOutcome(string Column, IReadOnlyList<string> Lines) : StatementOutcome;

public sealed record RowsOutcome(DbDataReader Reader, QueryExecution Execution, IReadOnlyList<string> Plan, IDisposable Slot, DbCommand Command) : StatementOutcome, IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync();
        await Command.DisposeAsync();
        await Execution.DisposeAsync();
        Slot.Dispose();
    }
}

/// <summary>
/// Runs one statement of the dialect for a tenant, the same for the HTTP API and the PostgreSQL endpoint. Errors are
/// exceptions: <see cref="SqlSyntaxException"/> and <see cref="PlanningException"/> (the client's, with a position),
/// <see cref="QueryFailedException"/> (with a status).
/// </summary>
public sealed class StatementRunner(CatalogClient catalog, Coordinator coordinator, Ingestor ingestor, TableDdl tables, CatchUp catchUp, QueryAdmission admission)
{
    public async Task<StatementOutcome> RunAsync(string sql, Guid tenant, string token, string? batchId, CancellationToken cancellationToken)
    {
        try
        {
            return await RunStatementAsync(SqlParser.Parse(sql), tenant, token, batchId, cancellationToken);
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new QueryFailedException(400, e.Message); // the operation node's own engine refused the final step (a conversion, a division by zero)
        }
    }

    /// <summary>Runs the final SQL in the operation node's engine; DuckDB.NET runs it synchronously, so cancelling interrupts the engine.</summary>
    private static async Task<System.Data.Common.DbDataReader> ExecuteFinalAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        await using var cancel = cancellationToken.Register(command.Cancel);
        return await command.ExecuteReaderAsync(cancellationToken);
    }

    private async Task<StatementOutcome> RunStatementAsync(Statement statement, Guid tenant, string token, string? batchId, CancellationToken cancellationToken)
    {
        IDisposable? slot = await admission.EnterAsync(cancellationToken);
        try
        {
            switch (statement)
            {
                case Select select:
                    var plan = DistributedPlanner.Plan(select, await TablesAsync(tenant, select, token, cancellationToken));
                    var execution = await coordinator.ExecuteAsync(plan, token, cancellationToken);
                    var command = execution.Local.CreateCommand();
                    command.CommandText = plan.FinalSql;
                    try
                    {
                        var reader = await ExecuteFinalAsync(command, cancellationToken);
                        var outcome = new RowsOutcome(reader, execution, PlanText.Lines(plan), slot!, command);
                        slot = null;
                        return outcome;
                    }
                    catch
                    {
                        await command.DisposeAsync();
                        await execution.DisposeAsync();
                        throw;
                    }

                case Explain explain:
                    var explained = DistributedPlanner.Plan(explain.Query, await TablesAsync(tenant, explain.Query, token, cancellationToken));
                    return new TextOutcome("QUERY PLAN", explain.Analyze ? await AnalyzeAsync(explained, token, cancellationToken) : PlanText.Lines(explained));

                case CreateTable create:
                    return await tables.CreateAsync(TableDefinition.From(create), token, cancellationToken) || create.IfNotExists
                        ? new CommandOutcome("CREATE TABLE")
                        : throw new QueryFailedException(409, $"relation \"{create.Name}\" already exists");

                case DropTable drop:
                    return await tables.DropAsync(drop.Name, token, cancellationToken) || drop.IfExists
                        ? new CommandOutcome("DROP TABLE")
                        : throw new PlanningException($"relation \"{drop.Name}\" does not exist", drop.At, PlanningException.UndefinedTable);

                case Insert insert:
                    var table = await catalog.FindAsync(token, insert.Table, cancellationToken) ?? throw new PlanningException($"relation \"{insert.Table}\" does not exist", insert.At, PlanningException.UndefinedTable);
                    var inserted = await ingestor.IngestAsync(tenant, table, batchId ?? Guid.NewGuid().ToString("N"), InsertRows.Of(table, insert), token, cancellationToken);
                    return new CommandOutcome($"INSERT 0 {(inserted.Duplicate ? 0 : inserted.Rows)}");

                default:
                    throw new QueryFailedException(400, "This statement is not supported.");
            }
        }
        finally
        {
            slot?.Dispose();
        }
    }

    private async Task<IReadOnlyList<string>> AnalyzeAsync(DistributedPlan plan, string token, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var execution = await coordinator.ExecuteAsync(plan, token, cancellationToken);
        var gathered = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await using var command = execution.Local.CreateCommand();
        command.CommandText = plan.FinalSql;
        await using var reader = await ExecuteFinalAsync(command, cancellationToken);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            rows++;
        }

        var total = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return [.. PlanText.Lines(plan, execution, rows), $"Execution: {total:0.0} ms on {string.Join(", ", execution.Nodes)} (gathers {gathered:0.0} ms, final step {total - gathered:0.0} ms)"];
    }

    /// <summary>The query's tables from the catalog (stale copies among them are offered for catching up).</summary>
    private async Task<IReadOnlyDictionary<string, TableInfo>> TablesAsync(Guid tenant, Select query, string token, CancellationToken cancellationToken)
    {
        var refs = DistributedPlanner.TableRefs(query.From).ToList();
        var tables = await catalog.FindAsync(token, [.. refs.Select(r => r.Name).Distinct()], cancellationToken);
        foreach (var table in tables.Values)
        {
            catchUp.Offer(tenant, table, token);
        }

        return refs.FirstOrDefault(r => !tables.ContainsKey(r.Name)) is { } missing
            ? throw new PlanningException($"relation \"{missing.Name}\" does not exist", missing.At, PlanningException.UndefinedTable)
            : tables;
    }
}
