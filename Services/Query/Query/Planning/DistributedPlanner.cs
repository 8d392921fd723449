using System.Globalization;
using Platform.Query.Catalog;
using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>
/// The cost-based optimizer. For a FROM of tables joined by INNER (or CROSS) joins it picks the table estimated to
/// pass the most rows as the driver, joins on the nodes every table co-located with it (hashed on the join key into as
/// many partitions), broadcasts the others when they are small, pushes every predicate and the projection into the
/// fragments, prunes partitions, and pushes partial aggregation (or a top-N) to the nodes; for an aggregate it also
/// costs aggregating the co-located tables before joining the small ones on the operation node, and takes the cheaper
/// (<see cref="AggregateFirst"/>). Anything else (LEFT joins,
/// subqueries in FROM, a big table that is neither) gathers each table's pruned, filtered, projected rows and runs the
/// query on the operation node. Each plan is costed against the naive one (every row of every table gathered).
/// </summary>
public static partial class DistributedPlanner
{
    /// <summary>The most rows a relation may be estimated at to be broadcast to every node.</summary>
    public const double BroadcastLimit = 2_000_000;

    private const double RowSent = 10;

    /// <summary>Every table a query reads, in subqueries too.</summary>
    public static IEnumerable<TableRef> TableRefs(Relation? relation) => relation switch
    {
        TableRef t => [t],
        Join j => [.. TableRefs(j.Left), .. TableRefs(j.Right)],
        SubqueryRef s => TableRefs(s.Query.From),
        _ => [],
    };

    public static DistributedPlan Plan(Select query, IReadOnlyDictionary<string, TableInfo> tables)
    {
        if (query.From is null)
        {
            return new DistributedPlan("constant", [], SqlPrinter.Print(query), 1, 1, 1, ["no table: evaluated on the operation node"]);
        }

        var naive = TableRefs(query.From).Sum(t => tables[t.Name].Rows) * (1 + RowSent + 1);
        return (InnerJoinsOnly(query.From) ? Pushdown(query, tables, naive) : null) ?? Gathered(query, tables, naive);
    }

    private static bool InnerJoinsOnly(Relation relation) => relation switch
    {
        TableRef => true,
        Join { Kind: "INNER" or "CROSS" } j => InnerJoinsOnly(j.Left) && InnerJoinsOnly(j.Right),
        _ => false,
    };

    private static IEnumerable<Expr> JoinConditions(Relation relation) => relation is Join j
        ? [.. JoinConditions(j.Left), .. JoinConditions(j.Right), .. Expressions.Conjuncts(j.On)]
        : [];

    private static DistributedPlan? Pushdown(Select query, IReadOnlyDictionary<string, TableInfo> tables, double naive)
    {
        var refs = TableRefs(query.From).ToList();
        if (refs.GroupBy(r => r.Label).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new PlanningException($"table name \"{twice.Key}\" specified more than once", twice.Last().At, PlanningException.Syntax);
        }

        var scope = new Scope([.. refs.Select(r => (r, tables[r.Name]))]);
        var conjuncts = Expressions.Conjuncts(query.Where).Concat(JoinConditions(query.From!)).ToList();
        var labelled = conjuncts.Select(c => (Conjunct: c, Labels: scope.LabelsOf(c))).ToList();
        var scans = refs.ToDictionary(r => r.Label, r => TableScan.Of(r.Label, tables[r.Name],
            [.. labelled.Where(c => c.Labels.Count == 1 && c.Labels.Contains(r.Label)).Select(c => c.Conjunct)]));

        var driver = scans.Values.MaxBy(s => s.EstimatedRows)!;
        var colocated = new List<TableScan> { driver };
        var notes = new List<string>();
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var scan in scans.Values.Except(colocated).ToList())
            {
                if (colocated.FirstOrDefault(c => CoLocated(c, scan, labelled, scope)) is { } partner)
                {
                    colocated.Add(scan);
                    notes.Add($"co-located join: {scan.Table.Name} with {partner.Table.Name} on {partner.Table.PartitionColumn} = {scan.Table.PartitionColumn} ({scan.Table.Partitions} partitions each)");
                    grown = true;
                }
            }
        }

        var broadcast = scans.Values.Except(colocated).OrderBy(s => s.EstimatedRows).ToList();
        if (broadcast.Any(b => b.EstimatedRows > BroadcastLimit))
        {
            return null; // two big tables not hashed alike: the gathered plan (a repartitioning join is not built)
        }

        var indexes = colocated.Select(s => s.Partitions.AsEnumerable()).Aggregate((a, b) => a.Intersect(b)).Order().ToList();
        colocated = [.. colocated.Select(s => s with
        {
            Partitions = indexes,
            ScannedRows = s.Table.PartitionList.Where(p => indexes.Contains(p.Index)).Sum(p => p.Rows),
        })];
        foreach (var scan in colocated.Where(s => s.Partitions.Count < s.Table.Partitions))
        {
            notes.Add($"partition pruning: {scan.Table.Name} reads {scan.Partitions.Count} of {scan.Table.Partitions} partitions");
        }

        var gathers = new List<Gather>();
        var names = new Dictionary<string, string>();
        var cost = 0.0;
        foreach (var small in broadcast)
        {
            var name = $"__g{gathers.Count}";
            names[small.Label] = name;
            var columns = ReadColumns(query, small.Table, small.Label, scope);
            var filter = Expressions.And(labelled.Where(c => c.Labels.Count == 1 && c.Labels.Contains(small.Label)).Select(c => c.Conjunct));
            var sql = $"SELECT {string.Join(", ", columns.Select(SqlPrinter.Name))} FROM {From(small)}{(filter is null ? "" : $" WHERE {SqlPrinter.Print(filter)}")}";
            gathers.Add(new Gather(name, sql, [small], [], small.EstimatedRows, $"scan {small.Table.Name} ({columns.Count} columns)"));
            notes.Add($"broadcast join: {small.Table.Name} (estimated {Rows(small.EstimatedRows)} rows) sent to every node");
            cost += small.ScannedRows + (small.EstimatedRows * RowSent * (1 + NodesOf(colocated)));
        }

        var aggregateFirst = broadcast.Count > 0 && Aggregates.HasAggregates(query)
            ? AggregateFirst(query, scope, refs, labelled, colocated, broadcast, [.. gathers], names, [.. notes.Where(n => !n.StartsWith("broadcast join", StringComparison.Ordinal))], naive)
            : null;
        var joined = JoinEstimate(driver, colocated.Concat(broadcast).Where(s => s != driver), labelled, scope);
        Func<TableRef, string> from = r => names.TryGetValue(r.Label, out var gathered) ? $"{SqlPrinter.Name(gathered)} AS {SqlPrinter.Name(r.Label)}" : From(scans[r.Label]);
        var fragmentName = $"__g{gathers.Count}";
        cost += colocated.Sum(s => s.ScannedRows);
        string sqlOnNodes, finalSql, operation;
        double sent, answer;
        if (Aggregates.HasAggregates(query))
        {
            if (Aggregates.Split(query, scope) is not var (partial, final))
            {
                return null;
            }

            sqlOnNodes = SqlPrinter.Print(partial, from);
            finalSql = SqlPrinter.Print(final(query, fragmentName));
            var groups = query.GroupBy.Count == 0 ? 1 : Math.Min(joined, partial.GroupBy.Aggregate(1.0, (n, g) => n * DistinctOf(g, scans, scope, joined)));
            sent = groups * NodesOf(colocated);
            answer = Math.Min(groups, LimitOf(query) ?? double.MaxValue);
            operation = $"partial aggregate{(partial.GroupBy.Count > 0 ? $" by {string.Join(", ", partial.GroupBy.Select(SqlPrinter.Print))}" : "")}";
            notes.Add("partial aggregation pushed to the nodes; the operation node combines their groups");
        }
        else
        {
            var (projection, final) = Projection(query, scope);
            sqlOnNodes = SqlPrinter.Print(projection, from);
            finalSql = SqlPrinter.Print(final(fragmentName));
            var limit = LimitOf(query);
            sent = Math.Min(joined, (limit ?? double.MaxValue) * NodesOf(colocated));
            answer = Math.Min(joined, limit ?? double.MaxValue);
            operation = projection.Limit is null ? "filter and project" : $"top {SqlPrinter.Print(projection.Limit)}";
            if (projection.Limit is not null)
            {
                notes.Add("top-N pushed to the nodes: each sends at most LIMIT + OFFSET rows");
            }
        }

        gathers.Add(new Gather(fragmentName, sqlOnNodes, colocated, [.. broadcast.Select(b => names[b.Label])], sent, operation));
        cost += (sent * RowSent) + sent;
        var strategy = broadcast.Count > 0 ? "broadcast join" : colocated.Count > 1 ? "co-located join" : "single table";
        var reductions = Reductions(broadcast, names, labelled, scope);
        notes.AddRange(reductions.Select(r => $"semi-join reduction before the broadcast: {r.Description}"));
        var chosen = new DistributedPlan(strategy, gathers, finalSql, answer, cost, naive, notes) { Reductions = reductions };
        return aggregateFirst is not null && aggregateFirst.Cost < chosen.Cost ? aggregateFirst : chosen;
    }

    /// <summary>
    /// For each inner join equality between two broadcast relations, a deletion of the rows of each that the other does
    /// not join, run on the operation node before they are sent (TPC-H Q5: the region's nations keep only their
    /// suppliers, and those only their nations' customers).
    /// </summary>
    private static List<Reduction> Reductions(IReadOnlyList<TableScan> broadcast, Dictionary<string, string> names, IEnumerable<(Expr Conjunct, HashSet<string> Labels)> conjuncts, Scope scope)
    {
        var small = broadcast.Select(b => b.Label).ToHashSet();
        var pairs = new List<Reduction>();
        foreach (var (conjunct, _) in conjuncts)
        {
            if (conjunct is not Binary { Op: "=", Left: ColumnRef left, Right: ColumnRef right }
                || scope.LabelOf(left) is not { } l || scope.LabelOf(right) is not { } r || l == r || !small.Contains(l) || !small.Contains(r))
            {
                continue;
            }

            pairs.Add(Reduce(l, left.Name, r, right.Name));
            pairs.Add(Reduce(r, right.Name, l, left.Name));
        }

        return pairs;

        Reduction Reduce(string target, string column, string source, string sourceColumn)
        {
            var (t, s) = (SqlPrinter.Name(names[target]), SqlPrinter.Name(names[source]));
            return new Reduction(names[target], names[source],
                $"DELETE FROM {t} WHERE NOT EXISTS (SELECT 1 FROM {s} WHERE {s}.{SqlPrinter.Name(sourceColumn)} = {t}.{SqlPrinter.Name(column)})",
                $"{broadcast.First(b => b.Label == target).Table.Name} keeps the rows {broadcast.First(b => b.Label == source).Table.Name} joins on {column} = {sourceColumn}");
        }
    }

    /// <summary>Two scans join where they lie: both hashed into as many partitions, with their partition columns equated.</summary>
    private static bool CoLocated(TableScan a, TableScan b, IEnumerable<(Expr Conjunct, HashSet<string> Labels)> conjuncts, Scope scope)
    {
        if (a.Table.Method != "HASH" || b.Table.Method != "HASH" || a.Table.Partitions != b.Table.Partitions
            || !SameHashDomain(a.Table.Column(a.Table.PartitionColumn)!.Type, b.Table.Column(b.Table.PartitionColumn)!.Type))
        {
            return false;
        }

        return conjuncts.Any(c => c.Conjunct is Binary { Op: "=", Left: ColumnRef l, Right: ColumnRef r }
            && ((Is(l, a) && Is(r, b)) || (Is(l, b) && Is(r, a))));

        bool Is(ColumnRef column, TableScan scan) => scope.LabelOf(column) == scan.Label && column.Name == scan.Table.PartitionColumn;
    }

    private static bool SameHashDomain(SqlType a, SqlType b)
        => a.Name is "INTEGER" or "BIGINT" ? b.Name is "INTEGER" or "BIGINT" : a == b;

    private static double JoinEstimate(TableScan driver, IEnumerable<TableScan> others, IEnumerable<(Expr Conjunct, HashSet<string> Labels)> conjuncts, Scope scope)
    {
        var rows = driver.EstimatedRows;
        var joined = new List<TableScan> { driver };
        foreach (var other in others)
        {
            var keys = conjuncts.Select(c => c.Conjunct).OfType<Binary>().Where(b => b.Op == "=" && b.Left is ColumnRef && b.Right is ColumnRef)
                .Select(b => (L: (ColumnRef)b.Left, R: (ColumnRef)b.Right))
                .Where(k => (scope.LabelOf(k.L) == other.Label && joined.Any(j => j.Label == scope.LabelOf(k.R)))
                            || (scope.LabelOf(k.R) == other.Label && joined.Any(j => j.Label == scope.LabelOf(k.L))))
                .ToList();
            rows = keys.Count == 0
                ? rows * other.EstimatedRows
                : rows * other.EstimatedRows / keys.Max(k => Math.Max(Distinct(k.L), Distinct(k.R)));
            joined.Add(other);
        }

        return Math.Max(rows, 0);

        double Distinct(ColumnRef c) => scope.LabelOf(c) is { } label ? joined.Concat(others).First(s => s.Label == label).Distinct(c.Name) : 1;
    }

    private static double DistinctOf(Expr group, Dictionary<string, TableScan> scans, Scope scope, double rows)
        => group is ColumnRef c && scope.LabelOf(c) is { } label ? Math.Min(rows, scans[label].Distinct(c.Name)) : Math.Max(1, rows / 10);

    /// <summary>A query without aggregates: the nodes evaluate the select list (and a top-N); the operation node sorts, cuts and names.</summary>
    private static (Select Projection, Func<string, Select> Final) Projection(Select query, Scope scope)
    {
        var at = query.At;
        var items = new List<SelectItem>();
        var names = new List<string>();
        foreach (var item in query.Items)
        {
            if (item.Expr is Star star)
            {
                foreach (var (tableRef, table) in scope.Relations.Where(r => star.Table is null || r.Ref.Label == star.Table))
                {
                    foreach (var column in table.Columns)
                    {
                        items.Add(new SelectItem(new ColumnRef(at, tableRef.Label, column.Name), $"__c{items.Count}"));
                        names.Add(column.Name);
                    }
                }
            }
            else
            {
                items.Add(new SelectItem(item.Expr, $"__c{items.Count}"));
                names.Add(OutputNames.Of(item));
            }
        }

        var visible = items.Count;
        var order = new List<OrderItem>();
        foreach (var o in query.OrderBy)
        {
            int index = o.Expr switch
            {
                Literal { Value: long n } when n >= 1 && n <= visible => (int)n - 1,
                Literal { Value: long n } => throw new PlanningException($"ORDER BY position {n} is not in select list", o.Expr.At, PlanningException.Syntax),
                ColumnRef { Table: null } c when names.IndexOf(c.Name) is >= 0 and var i && scope.LabelOf(c) is null => i,
                _ => items.FindIndex(i => Expressions.Same(i.Expr, o.Expr)),
            };
            if (index < 0)
            {
                if (query.Distinct)
                {
                    throw new PlanningException("for SELECT DISTINCT, ORDER BY expressions must appear in select list", o.Expr.At, PlanningException.Syntax);
                }

                index = items.Count;
                items.Add(new SelectItem(o.Expr, $"__c{index}"));
            }

            order.Add(o with { Expr = new ColumnRef(at, null, $"__c{index}") });
        }

        var limit = LimitOf(query);
        var projection = query with
        {
            Items = items,
            OrderBy = limit is null ? [] : order,
            Limit = limit is null ? null : new Literal(at, (long)limit.Value + (long)(OffsetOf(query) ?? 0)),
            Offset = null,
        };
        return (projection, gathered => query with
        {
            Items = [.. names.Select((name, i) => new SelectItem(new ColumnRef(at, null, $"__c{i}"), name))],
            From = new TableRef(at, gathered, null),
            Where = null,
            OrderBy = order,
        });
    }

    /// <summary>The plan for any other query: each table's pruned, filtered and projected rows gathered; the query itself run on the operation node.</summary>
    private static DistributedPlan Gathered(Select query, IReadOnlyDictionary<string, TableInfo> tables, double naive)
    {
        var gathers = new List<Gather>();
        var names = new Dictionary<TableRef, string>(ReferenceEqualityComparer.Instance);
        var notes = new List<string> { "the query runs on the operation node over each table's gathered rows (LEFT join, subquery in FROM, or two large tables not co-located)" };
        var everyColumn = AllSelects(query).SelectMany(s => s.Items).Any(i => i.Expr is Star);
        var mentioned = AllSelects(query).SelectMany(Mentions).SelectMany(Expressions.Descendants).OfType<ColumnRef>().Select(c => c.Name).ToHashSet();
        foreach (var level in AllSelects(query))
        {
            var nullable = NullableLabels(level.From).ToHashSet();
            var refs = LevelTables(level.From).ToList();
            var scope = new Scope([.. refs.Select(r => (r, tables[r.Name]))]);
            var conjuncts = Expressions.Conjuncts(level.Where).Concat(InnerConditions(level.From)).ToList();
            foreach (var tableRef in refs)
            {
                var table = tables[tableRef.Name];
                var local = nullable.Contains(tableRef.Label) ? [] : conjuncts.Where(c => Local(c, tableRef.Label, scope)).ToList();
                var scan = TableScan.Of(tableRef.Label, table, local);
                var columns = everyColumn ? [.. table.Columns.Select(c => c.Name)] : table.Columns.Select(c => c.Name).Where(mentioned.Contains).DefaultIfEmpty(table.Columns[0].Name).ToList();
                var filter = Expressions.And(local);
                var name = $"__g{gathers.Count}";
                names[tableRef] = name;
                var sql = $"SELECT {string.Join(", ", columns.Select(SqlPrinter.Name))} FROM {From(scan)}{(filter is null ? "" : $" WHERE {SqlPrinter.Print(filter)}")}";
                gathers.Add(new Gather(name, sql, [scan], [], scan.EstimatedRows, $"scan {table.Name} ({columns.Count} of {table.Columns.Count} columns)"));
            }
        }

        var cost = gathers.Sum(g => g.Tables.Sum(t => t.ScannedRows) + (g.EstimatedRows * (RowSent + 1)));
        var final = SqlPrinter.Print(query, r => $"{SqlPrinter.Name(names[r])} AS {SqlPrinter.Name(r.Label)}");
        return new DistributedPlan("gathered", gathers, final, gathers.Sum(g => g.EstimatedRows), cost, naive, notes);
    }

    private static bool Local(Expr conjunct, string label, Scope scope)
    {
        try
        {
            var labels = scope.LabelsOf(conjunct);
            return labels.Count == 1 && labels.Contains(label);
        }
        catch (PlanningException)
        {
            return false; // a column of an enclosing query or a subquery's alias: left to the engine
        }
    }

    private static IEnumerable<Select> AllSelects(Select query)
        => [query, .. Subqueries(query.From).SelectMany(AllSelects)];

    private static IEnumerable<Select> Subqueries(Relation? relation) => relation switch
    {
        SubqueryRef s => [s.Query],
        Join j => [.. Subqueries(j.Left), .. Subqueries(j.Right)],
        _ => [],
    };

    private static IEnumerable<TableRef> LevelTables(Relation? relation) => relation switch
    {
        TableRef t => [t],
        Join j => [.. LevelTables(j.Left), .. LevelTables(j.Right)],
        _ => [],
    };

    /// <summary>Tables on the side of a LEFT join that may come out as NULLs: a predicate on them cannot move below the join.</summary>
    private static IEnumerable<string> NullableLabels(Relation? relation) => relation switch
    {
        Join { Kind: "LEFT" } j => [.. NullableLabels(j.Left), .. LevelTables(j.Right).Select(t => t.Label), .. Subqueries(j.Right).Select(_ => "")],
        Join j => [.. NullableLabels(j.Left), .. NullableLabels(j.Right)],
        _ => [],
    };

    private static IEnumerable<Expr> InnerConditions(Relation? relation) => relation switch
    {
        Join { Kind: "INNER" } j => [.. InnerConditions(j.Left), .. InnerConditions(j.Right), .. Expressions.Conjuncts(j.On)],
        Join j => [.. InnerConditions(j.Left), .. InnerConditions(j.Right)],
        _ => [],
    };

    private static IEnumerable<Expr> Mentions(Select s)
        => [.. s.Items.Select(i => i.Expr), .. Maybe(s.Where), .. s.GroupBy, .. Maybe(s.Having), .. s.OrderBy.Select(o => o.Expr), .. JoinConditionsAll(s.From)];

    private static IEnumerable<Expr> JoinConditionsAll(Relation? relation) => relation is Join j ? [.. Maybe(j.On), .. JoinConditionsAll(j.Left), .. JoinConditionsAll(j.Right)] : [];

    private static IEnumerable<Expr> Maybe(Expr? e) => e is null ? [] : [e];

    /// <summary>The columns of a table a query reads through its label (all of them for a star).</summary>
    private static List<string> ReadColumns(Select query, TableInfo table, string label, Scope scope)
    {
        if (query.Items.Any(i => i.Expr is Star s && (s.Table is null || s.Table == label)))
        {
            return [.. table.Columns.Select(c => c.Name)];
        }

        var used = Mentions(query).SelectMany(Expressions.Descendants).OfType<ColumnRef>().Where(c => Safe(() => scope.LabelOf(c)) == label).Select(c => c.Name).ToHashSet();
        return [.. table.Columns.Select(c => c.Name).Where(used.Contains).DefaultIfEmpty(table.Columns[0].Name)];
    }

    private static string? Safe(Func<string?> f)
    {
        try
        {
            return f();
        }
        catch (PlanningException)
        {
            return null;
        }
    }

    private static string From(TableScan scan)
        => scan.Label == scan.Table.Name ? SqlPrinter.Name(scan.Table.Name) : $"{SqlPrinter.Name(scan.Table.Name)} AS {SqlPrinter.Name(scan.Label)}";

    /// <summary>How many nodes a step's fragments run on: those holding the copies of the partitions it reads (an estimate: one copy of each is read).</summary>
    private static int NodesOf(IEnumerable<TableScan> scans)
    {
        var scan = scans.First();
        return Math.Max(1, scan.Table.PartitionList.Where(p => scan.Partitions.Contains(p.Index)).SelectMany(p => p.Nodes).Distinct().Count());
    }

    private static double? LimitOf(Select query) => query.Limit is { } l && Constants.TryFold(l, out var v) && v is long n ? n : null;

    private static double? OffsetOf(Select query) => query.Offset is { } o && Constants.TryFold(o, out var v) && v is long n ? n : null;

    public static string Rows(double rows) => rows switch
    {
        >= 1e6 => (rows / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (rows / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => Math.Round(rows).ToString(CultureInfo.InvariantCulture),
    };
}
