using System.Diagnostics;
using Apache.Arrow;
using DuckDB.NET.Data;
using Platform.Query.Contracts;
using Platform.Query.Planning;
using Platform.Query.Sql;

namespace Platform.Query.Execution;

/// <summary>
/// Runs a distributed plan: each gather's fragment goes to the nodes holding its partitions, in parallel, one request
/// per node (each partition index read on one of its live copies, the load spread); a node that fails has its partitions
/// sent to their other copies; what comes back lands in the operation node's own in-memory engine, where broadcast
/// relations are taken from and the final SQL runs. Gathers run together unless one broadcasts another's rows.
/// </summary>
public sealed class Coordinator(NodeClient client, TenantNodes nodes, LocalEngine engine)
{
    private const int MaxReductionRounds = 4;

    public async Task<QueryExecution> ExecuteAsync(DistributedPlan plan, string token, CancellationToken cancellationToken)
    {
        var execution = new QueryExecution(await engine.OpenAsync(cancellationToken));
        try
        {
            using var local = new SemaphoreSlim(1, 1); // the engine connection serves one caller at a time
            var done = new HashSet<string>();
            var waiting = plan.Gathers.ToList();
            while (waiting.Count > 0)
            {
                var ready = waiting.Where(g => g.Broadcast.All(done.Contains)).ToList();
                if (ready.Count == 0)
                {
                    throw new InvalidOperationException($"The plan's gathers wait on each other: {string.Join(", ", waiting.Select(g => g.Name))}.");
                }

                await Task.WhenAll(ready.Select(g => GatherAsync(g, execution, local, token, cancellationToken)));
                done.UnionWith(ready.Select(g => g.Name));
                waiting.RemoveAll(ready.Contains);
                await ReduceAsync([.. plan.Reductions.Where(r => ready.Any(g => g.Name == r.Target || g.Name == r.Source) && done.Contains(r.Target) && done.Contains(r.Source))], execution, cancellationToken);
            }

            return execution;
        }
        catch
        {
            await execution.DisposeAsync();
            throw;
        }
    }

    private async Task GatherAsync(Gather gather, QueryExecution execution, SemaphoreSlim local, string token, CancellationToken cancellationToken)
    {
        var inputs = new List<FragmentInput>();
        foreach (var name in gather.Broadcast)
        {
            await local.WaitAsync(cancellationToken);
            try
            {
                inputs.Add(new FragmentInput(name, await ArrowOfAsync(execution.Local, name, cancellationToken)));
            }
            finally
            {
                local.Release();
            }
        }

        var pending = gather.Tables.SelectMany(t => t.Partitions).Distinct().Order().ToList();
        var excluded = new HashSet<string>();
        var created = false;
        while (true)
        {
            var assignment = Assign(gather, pending, excluded);
            if (assignment.Count == 0 && !created)
            {
                // Every partition pruned: one node still answers (with none of them) for the shape of the result.
                var any = nodes.Names.FirstOrDefault(n => nodes.IsUp(n) && !excluded.Contains(n)) ?? throw new QueryFailedException(503, "No tenant node is reachable.");
                assignment[any] = [];
            }

            var calls = assignment.Select(async a =>
            {
                var fragment = new FragmentRequest(gather.Sql,
                    [.. gather.Tables.DistinctBy(t => t.Table.Name).Select(t => new FragmentTable(t.Table.Name, t.Table.Schema, [.. a.Value.Where(t.Partitions.Contains)]))],
                    inputs);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var answer = await client.RunFragmentAsync(a.Key, fragment, token, cancellationToken);
                    nodes.Answered(a.Key);
                    return (Node: a.Key, Partitions: a.Value, Answer: answer, Down: false, Milliseconds: Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (NodeDownException) when (!cancellationToken.IsCancellationRequested)
                {
                    nodes.Failed(a.Key);
                    return (Node: a.Key, Partitions: a.Value, Answer: default((Schema Schema, List<RecordBatch> Batches)), Down: true, Milliseconds: 0.0);
                }
            }).ToList();
            try
            {
                await Task.WhenAll(calls);
                await local.WaitAsync(cancellationToken);
                try
                {
                    created = await LandAsync(gather, [.. calls.Select(c => c.Result).Where(r => !r.Down).Select(r => (r.Node, r.Partitions, r.Answer, r.Milliseconds))], execution, created, cancellationToken);
                }
                finally
                {
                    local.Release();
                }
            }
            finally
            {
                // Every answer that arrived is freed, also when another node refused the fragment or the budget ran out.
                foreach (var call in calls.Where(c => c.IsCompletedSuccessfully && !c.Result.Down))
                {
                    call.Result.Answer.Batches.ForEach(b => b.Dispose());
                }
            }

            var runs = calls.Select(c => c.Result).ToList();
            pending = [.. runs.Where(r => r.Down).SelectMany(r => r.Partitions)];
            excluded.UnionWith(runs.Where(r => r.Down).Select(r => r.Node));
            if (pending.Count == 0 && created)
            {
                return;
            }
        }
    }

    /// <summary>Each partition index to one live copy not yet failed in this query, the fewest indexes per node first.</summary>
    private Dictionary<string, List<int>> Assign(Gather gather, IReadOnlyList<int> indexes, HashSet<string> excluded)
    {
        var assignment = new Dictionary<string, List<int>>();
        var unavailable = new List<string>();
        foreach (var index in indexes)
        {
            var copies = gather.Tables.Where(t => t.Partitions.Contains(index))
                .Select(t => t.Table.PartitionList.First(p => p.Index == index).Readable)
                .Aggregate((a, b) => a.Intersect(b)).Where(n => !excluded.Contains(n)).ToList();
            var live = copies.Where(nodes.IsUp).ToList();
            var chosen = (live.Count > 0 ? live : copies).MinBy(n => assignment.GetValueOrDefault(n)?.Count ?? 0);
            if (chosen is null)
            {
                unavailable.AddRange(gather.Tables.Where(t => t.Partitions.Contains(index)).Select(t => $"{t.Table.Name}[{index}]"));
                continue;
            }

            if (!assignment.TryGetValue(chosen, out var list))
            {
                assignment[chosen] = list = [];
            }

            list.Add(index);
        }

        if (unavailable.Count > 0)
        {
            throw new QueryFailedException(503, $"Partitions unavailable (no live copy): {string.Join(", ", unavailable.Distinct())}.");
        }

        return assignment;
    }

    /// <summary>
    /// Runs the plan's semi-join reductions whose relations have just been gathered, before anything is broadcast, round
    /// after round while one of them deletes rows (a reduction travels one join per round: region, nation, supplier, customer).
    /// </summary>
    private static async Task ReduceAsync(IReadOnlyList<Reduction> reductions, QueryExecution execution, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxReductionRounds && reductions.Count > 0; round++)
        {
            var deleted = 0;
            foreach (var reduction in reductions)
            {
                await using var command = execution.Local.CreateCommand();
                command.CommandText = reduction.Sql;
                var rows = await command.ExecuteNonQueryAsync(cancellationToken);
                execution.Reduced[reduction.Target] = execution.Reduced.GetValueOrDefault(reduction.Target) + rows;
                deleted += rows;
            }

            if (deleted == 0)
            {
                return;
            }
        }
    }

    /// <summary>Appends the nodes' answers to the gather's table in the local engine (made with the first answer); true once it is made.</summary>
    private static async Task<bool> LandAsync(Gather gather, IReadOnlyList<(string Node, List<int> Partitions, (Schema Schema, List<RecordBatch> Batches) Answer, double Milliseconds)> runs,
        QueryExecution execution, bool created, CancellationToken cancellationToken)
    {
        foreach (var run in runs)
        {
            if (!created)
            {
                await CreateTableAsync(execution.Local, gather.Name, ArrowRows.Columns(run.Answer.Schema), cancellationToken);
                created = true;
            }

            foreach (var batch in run.Answer.Batches)
            {
                ArrowRows.AppendTo(execution.Local, gather.Name, batch);
            }

            execution.Fragments.Add(new FragmentRun(gather.Name, run.Node, run.Partitions, run.Answer.Batches.Sum(b => (long)b.Length), run.Milliseconds));
            execution.PartitionsScanned += gather.Tables.Sum(t => run.Partitions.Count(t.Partitions.Contains));
            execution.RowsScanned += gather.Tables.Sum(t => t.Table.PartitionList.Where(p => run.Partitions.Contains(p.Index) && t.Partitions.Contains(p.Index)).Sum(p => p.Rows));
        }

        return created;
    }

    private static async Task CreateTableAsync(DuckDBConnection local, string name, IReadOnlyList<ColumnSchema> columns, CancellationToken cancellationToken)
    {
        await using var command = local.CreateCommand();
        command.CommandText = $"CREATE TEMP TABLE {SqlPrinter.Name(name)} ({string.Join(", ", columns.Select(c => $"{SqlPrinter.Name(c.Name)} {c.Type}"))})";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<string> ArrowOfAsync(DuckDBConnection local, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await ArrowRows.WriteQueryAsync(local, $"SELECT * FROM {SqlPrinter.Name(name)}", buffer, cancellationToken);
        return Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
