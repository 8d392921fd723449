using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>
/// Splits a grouped query into what each node computes over its partitions and what the operation node computes over
/// their answers. COUNT, SUM, MIN, MAX and AVG (as SUM and COUNT) combine from partials; a DISTINCT aggregate's argument
/// becomes one more grouping key on the nodes, so the operation node sees each value once per group and node.
/// </summary>
public sealed class Aggregates
{
    private static readonly HashSet<string> Combinable = ["count", "sum", "min", "max", "avg"];

    /// <summary>Aggregates the engine knows that do not combine from partials: such a query is gathered whole.</summary>
    private static readonly HashSet<string> Other =
    [
        "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "string_agg", "array_agg", "list", "median", "mode", "quantile",
        "quantile_cont", "quantile_disc", "bool_and", "bool_or", "every", "approx_count_distinct", "arg_min", "arg_max", "first", "last", "corr", "covar_pop", "covar_samp",
    ];

    private readonly List<Expr> _groups = [];
    private readonly List<Expr> _distinctArgs = [];
    private readonly List<(string Key, Expr Partial)> _partials = [];

    private Aggregates()
    {
    }

    public static bool IsAggregate(Call call) => Combinable.Contains(call.Name) || Other.Contains(call.Name);

    /// <summary>An aggregate the operation node can combine from the nodes' partial results.</summary>
    public static bool Combines(Call call) => Combinable.Contains(call.Name);

    public static bool HasAggregates(Select query)
        => query.GroupBy.Count > 0 || Mentions(query).Any(e => Expressions.Descendants(e).OfType<Call>().Any(IsAggregate));

    /// <summary>The split of a grouped query, or null when one of its aggregates does not combine.</summary>
    public static (Select Partial, Func<Select, string, Select> Final)? Split(Select query, Scope scope)
    {
        var calls = Mentions(query).SelectMany(e => Expressions.Descendants(e)).OfType<Call>().Where(IsAggregate).ToList();
        if (calls.Any(c => !Combinable.Contains(c.Name) || (c.Distinct && c.Args.Count != 1)))
        {
            return null;
        }

        var split = new Aggregates();
        foreach (var group in query.GroupBy)
        {
            split._groups.Add(GroupExpression(query, group, scope));
        }

        foreach (var call in calls.Where(c => c.Distinct))
        {
            if (!split._distinctArgs.Any(a => Expressions.Same(a, call.Args[0])))
            {
                split._distinctArgs.Add(call.Args[0]);
            }
        }

        foreach (var call in calls.Where(c => !c.Distinct))
        {
            AddPartials(split._partials, call);
        }

        var at = query.At;
        var keys = split._groups.Select((g, i) => new SelectItem(g, $"__g{i}"))
            .Concat(split._distinctArgs.Select((d, i) => new SelectItem(d, $"__d{i}")));
        var partial = query with
        {
            Distinct = false,
            Items = [.. keys, .. split._partials.Select((p, i) => new SelectItem(p.Partial, $"__a{i}"))],
            GroupBy = [.. split._groups, .. split._distinctArgs],
            Having = null,
            OrderBy = [],
            Limit = null,
            Offset = null,
        };
        if (partial.Items.Count == 0)
        {
            partial = partial with { Items = [new SelectItem(new Call(at, "count", [new Star(at, null)]), "__a0")] };
        }

        return (partial, (original, gathered) => split.Final(original, gathered));
    }

    /// <summary>Every expression of a query that is evaluated after grouping.</summary>
    public static IEnumerable<Expr> Mentions(Select query)
        => [.. query.Items.Select(i => i.Expr), .. query.Having is null ? [] : new[] { query.Having }, .. query.OrderBy.Select(o => o.Expr)];

    /// <summary>GROUP BY 1 and GROUP BY alias mean a select item (PostgreSQL's rule: a column of the tables wins over an alias).</summary>
    private static Expr GroupExpression(Select query, Expr group, Scope scope) => group switch
    {
        Literal { Value: long n } when n >= 1 && n <= query.Items.Count => query.Items[(int)n - 1].Expr,
        Literal { Value: long n } => throw new PlanningException($"GROUP BY position {n} is not in select list", group.At, PlanningException.Grouping),
        ColumnRef { Table: null } c when scope.LabelOf(c) is null && query.Items.FirstOrDefault(i => i.Alias == c.Name) is { } item => item.Expr,
        _ => group,
    };

    /// <summary>Adds what the nodes compute for <paramref name="call"/> (AVG as SUM and COUNT), keyed by the call as printed, unless it is there.</summary>
    public static void AddPartials(List<(string Key, Expr Partial)> partials, Call call)
    {
        var key = SqlPrinter.Print(call);
        if (partials.Any(p => p.Key == key) || partials.Any(p => p.Key == key + "#count"))
        {
            return;
        }

        if (call.Name == "avg")
        {
            partials.Add((key, call with { Name = "sum" }));
            partials.Add((key + "#count", call with { Name = "count" }));
        }
        else
        {
            partials.Add((key, call));
        }
    }

    /// <summary>
    /// The operation node's combination of the partial results of <paramref name="call"/>, each partial read through
    /// <paramref name="column"/> (its index in <paramref name="partials"/>): COUNT as a BIGINT sum, AVG as sum over count.
    /// </summary>
    public static Expr Combine(Call call, List<(string Key, Expr Partial)> partials, Func<int, Expr> column)
    {
        var at = call.At;
        Expr Fn(string name, params Expr[] args) => new Call(at, name, args);
        var key = SqlPrinter.Print(call);
        var partial = column(partials.FindIndex(p => p.Key == key));
        return call.Name switch
        {
            "count" => new Cast(at, Fn("coalesce", Fn("sum", partial), new Literal(at, 0L)), SqlType.BigInt), // BIGINT, as PostgreSQL's count
            "sum" => Fn("sum", partial),
            "avg" => new Binary(at, "/", new Cast(at, Fn("sum", partial), SqlType.Double),
                Fn("nullif", Fn("sum", column(partials.FindIndex(p => p.Key == key + "#count"))), new Literal(at, 0L))),
            _ => Fn(call.Name, partial),
        };
    }

    private Select Final(Select query, string gathered)
    {
        var at = query.At;
        Expr Column(string name) => new ColumnRef(at, null, name);

        Expr Rewrite(Expr e) => Expressions.Rewrite(e, x =>
        {
            var group = _groups.FindIndex(g => Expressions.Same(g, x));
            if (group >= 0)
            {
                return Column($"__g{group}");
            }

            switch (x)
            {
                case Call { Distinct: true } c when IsAggregate(c):
                    return c with { Args = [Column($"__d{_distinctArgs.FindIndex(d => Expressions.Same(d, c.Args[0]))}")] };
                case Call c when IsAggregate(c):
                    return Combine(c, _partials, i => Column($"__a{i}"));
                case ColumnRef c:
                    throw new PlanningException($"column \"{c.Name}\" must appear in the GROUP BY clause or be used in an aggregate function", c.At, PlanningException.Grouping);
                default:
                    return null;
            }
        });

        var names = query.Items.Select(OutputNames.Of).ToList();
        return query with
        {
            Items = [.. query.Items.Select((item, i) => new SelectItem(Rewrite(item.Expr), names[i]))],
            From = new TableRef(at, gathered, null),
            Where = null,
            GroupBy = [.. _groups.Select((_, i) => Column($"__g{i}"))],
            Having = query.Having is null ? null : Rewrite(query.Having),
            OrderBy = [.. query.OrderBy.Select(o => o with { Expr = OutputNames.Refers(o.Expr, names) ? o.Expr : Rewrite(o.Expr) })],
        };
    }
}
