using Platform.Query.Execution;

namespace Platform.Query.Planning;

/// <summary>EXPLAIN's text: the chosen strategy and its cost beside the naive plan's, each step with estimated rows, and with ANALYZE the rows each node sent.</summary>
public static class PlanText
{
    public static IReadOnlyList<string> Lines(DistributedPlan plan, QueryExecution? analyzed = null, long? finalRows = null)
    {
        var lines = new List<string>
        {
            $"Distributed plan: {plan.Strategy}  (cost {DistributedPlanner.Rows(plan.Cost)}; naive plan, every row gathered: {DistributedPlanner.Rows(plan.NaiveCost)})",
            $"-> Final on the operation node  (estimated rows {DistributedPlanner.Rows(plan.EstimatedRows)}{(finalRows is { } rows ? $", actual rows {rows}" : "")})",
            $"     {plan.FinalSql}",
        };
        foreach (var gather in plan.Gathers.Reverse())
        {
            lines.Add($"   -> Gather {gather.Name}: {gather.Operation}  (estimated rows {DistributedPlanner.Rows(gather.EstimatedRows)}"
                      + (analyzed is null ? ")" : $", actual rows {analyzed.Fragments.Where(f => f.Gather == gather.Name).Sum(f => f.Rows)})"));
            if (gather.Broadcast.Count > 0)
            {
                lines.Add($"        with broadcast {string.Join(", ", gather.Broadcast)}"
                          + (analyzed is null ? "" : $" ({string.Join(", ", gather.Broadcast.Select(b => $"{b}: {analyzed.Reduced.GetValueOrDefault(b)} rows reduced away"))})"));
            }

            lines.Add($"        Fragment on nodes: {gather.Sql}");
            foreach (var scan in gather.Tables)
            {
                lines.Add($"        Scan {scan.Table.Name}{(scan.Label != scan.Table.Name ? $" {scan.Label}" : "")}: {scan.Partitions.Count} of {scan.Table.Partitions} partitions, "
                          + $"{DistributedPlanner.Rows(scan.ScannedRows)} rows, estimated {DistributedPlanner.Rows(scan.EstimatedRows)} pass");
            }

            foreach (var run in analyzed?.Fragments.Where(f => f.Gather == gather.Name) ?? [])
            {
                lines.Add($"        on {run.Node}: partitions [{string.Join(",", run.Partitions)}], actual rows {run.Rows}, {run.Milliseconds:0.0} ms");
            }
        }

        lines.AddRange(plan.Notes.Select(n => $"Optimizer: {n}"));
        return lines;
    }
}
