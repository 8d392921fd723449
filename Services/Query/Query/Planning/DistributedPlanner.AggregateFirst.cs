using Platform.Query.Sql;

namespace Platform.Query.Planning;

public static partial class DistributedPlanner
{
    private const string Grouped = "__late";

    /// <summary>
    /// The other plan for an aggregate over co-located tables joined with small ones: the nodes aggregate the co-located
    /// join alone, grouped by each of its columns the rest of the query reads (the keys it joins the small tables on,
    /// its own grouping columns); the small tables are gathered once instead of sent to every node; the operation node
    /// joins them to those groups and combines the partial aggregates. It pays when the groups are fewer than the small
    /// tables' rows times the nodes (TPC-H Q10: revenue per customer with the customers' names and addresses). Null when
    /// an aggregate reads a small table or does not combine, or when nothing joins the co-located tables to the rest.
    /// </summary>
    private static DistributedPlan? AggregateFirst(Select query, Scope scope, IReadOnlyList<TableRef> refs, IReadOnlyList<(Expr Conjunct, HashSet<string> Labels)> labelled,
        List<TableScan> colocated, IReadOnlyList<TableScan> small, IReadOnlyList<Gather> smallGathers, Dictionary<string, string> gathered,
        IEnumerable<string> notes, double naive)
    {
        var inner = colocated.Select(s => s.Label).ToHashSet();
        if (query.Items.Any(i => i.Expr is Star) || labelled.Any(c => c.Labels.Contains("?")))
        {
            return null;
        }

        var mentions = Aggregates.Mentions(query).Concat(query.GroupBy).ToList();
        var partials = new List<(string Key, Expr Partial)>();
        foreach (var call in mentions.SelectMany(Expressions.Descendants).OfType<Call>().Where(c => Aggregates.IsAggregate(c) && !c.Distinct))
        {
            if (!Aggregates.Combines(call) || call.Args.SelectMany(Expressions.Descendants).OfType<ColumnRef>().Any(c => scope.LabelOf(c) is not { } label || !inner.Contains(label)))
            {
                return null;
            }

            Aggregates.AddPartials(partials, call);
        }

        // The co-located tables' columns read outside the partial aggregates: the groups' keys.
        var keys = new List<ColumnRef>();
        void Collect(Expr e)
        {
            if (e is Call c && Aggregates.IsAggregate(c) && !c.Distinct)
            {
                return;
            }

            if (e is ColumnRef column && scope.LabelOf(column) is { } label && inner.Contains(label) && !keys.Any(k => k.Table == label && k.Name == column.Name))
            {
                keys.Add(new ColumnRef(column.At, label, column.Name));
            }

            foreach (var child in Expressions.Children(e))
            {
                Collect(child);
            }
        }

        mentions.ForEach(Collect);
        foreach (var (conjunct, _) in labelled.Where(c => !c.Labels.IsSubsetOf(inner)))
        {
            Collect(conjunct);
        }

        if (keys.Count == 0)
        {
            return null; // ungrouped, the nodes' answer would be one row even from no rows, and the join would invent groups
        }

        var at = query.At;
        Relation Cross(IEnumerable<Relation> relations) => relations.Aggregate((a, b) => new Join(at, "CROSS", a, b, null));
        var fragmentName = $"__g{smallGathers.Count}";
        var fragment = new Select(at, false,
            [.. keys.Select((k, i) => new SelectItem(k, $"__k{i}")), .. partials.Select((p, i) => new SelectItem(p.Partial, $"__a{i}"))],
            Cross(refs.Where(r => inner.Contains(r.Label))),
            Expressions.And(labelled.Where(c => c.Labels.IsSubsetOf(inner)).Select(c => c.Conjunct)),
            [.. keys], null, [], null, null);

        Expr Rewrite(Expr e) => Expressions.Rewrite(e, x => x switch
        {
            Call c when Aggregates.IsAggregate(c) && !c.Distinct => Aggregates.Combine(c, partials, i => new ColumnRef(c.At, Grouped, $"__a{i}")),
            ColumnRef c when scope.LabelOf(c) is { } label && inner.Contains(label) => new ColumnRef(c.At, Grouped, $"__k{keys.FindIndex(k => k.Table == label && k.Name == c.Name)}"),
            _ => null,
        });
        var smallLabels = small.Select(s => s.Label).ToHashSet();
        var names = query.Items.Select(OutputNames.Of).ToList();
        var groups = new TableRef(at, fragmentName, Grouped);
        var final = query with
        {
            Items = [.. query.Items.Select((item, i) => new SelectItem(Rewrite(item.Expr), names[i]))],
            From = Cross([groups, .. refs.Where(r => smallLabels.Contains(r.Label))]),
            Where = Expressions.And(labelled.Where(c => !c.Labels.IsSubsetOf(inner) && !(c.Labels.Count == 1 && c.Labels.IsSubsetOf(smallLabels))).Select(c => Rewrite(c.Conjunct))),
            GroupBy = [.. query.GroupBy.Select(Rewrite)],
            Having = query.Having is null ? null : Rewrite(query.Having),
            OrderBy = [.. query.OrderBy.Select(o => o with { Expr = OutputNames.Refers(o.Expr, names) ? o.Expr : Rewrite(o.Expr) })],
        };

        var innerRows = JoinEstimate(colocated[0], colocated.Skip(1), labelled, scope);
        var scans = colocated.Concat(small).ToDictionary(s => s.Label);
        var sent = Math.Min(innerRows, keys.Aggregate(1.0, (n, k) => n * DistinctOf(k, scans, scope, innerRows))) * NodesOf(colocated);
        var smallRows = small.Sum(s => s.EstimatedRows);
        var cost = small.Sum(s => s.ScannedRows + (s.EstimatedRows * RowSent)) + colocated.Sum(s => s.ScannedRows) + (sent * RowSent) + sent + smallRows;
        var joined = JoinEstimate(colocated[0], colocated.Skip(1).Concat(small), labelled, scope);
        var answer = Math.Min(query.GroupBy.Count == 0 ? 1 : joined, LimitOf(query) ?? double.MaxValue);
        return new DistributedPlan("aggregate, then join", [.. smallGathers, new Gather(fragmentName, SqlPrinter.Print(fragment, r => From(scans[r.Label])), colocated, [], sent,
                $"partial aggregate by {string.Join(", ", keys.Select(SqlPrinter.Print))}")],
            SqlPrinter.Print(final, r => r.Label == Grouped ? $"{SqlPrinter.Name(fragmentName)} AS {SqlPrinter.Name(Grouped)}" : $"{SqlPrinter.Name(gathered[r.Label])} AS {SqlPrinter.Name(r.Label)}"),
            answer, cost, naive,
            [.. notes, $"aggregation before the join: the nodes aggregate {string.Join(", ", colocated.Select(s => s.Table.Name))} by the columns the rest of the query reads; "
                       + $"{string.Join(", ", small.Select(s => s.Table.Name))} gathered once and joined to the groups on the operation node"]);
    }
}
