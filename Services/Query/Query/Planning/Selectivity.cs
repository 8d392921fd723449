using Platform.Query.Catalog;
using Platform.Query.Contracts;
using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>
/// What fraction of a partition's rows a predicate keeps, from its statistics: equality 1/distinct, ranges by
/// interpolation between min and max, IS NULL by the null fraction, LIKE a tenth, anything else a third. And whether a
/// predicate provably keeps none (a constant outside [min, max]), which prunes the partition.
/// </summary>
public static class Selectivity
{
    private const double Unknown = 1.0 / 3;

    public static double Of(Expr conjunct, TableInfo table, PartitionStats stats)
    {
        switch (conjunct)
        {
            case Binary { Op: "AND" } and:
                return Of(and.Left, table, stats) * Of(and.Right, table, stats);
            case Binary { Op: "OR" } or:
                var (left, right) = (Of(or.Left, table, stats), Of(or.Right, table, stats));
                return left + right - (left * right);
            case Unary { Op: "NOT" } not:
                return 1 - Of(not.Operand, table, stats);
            case IsNull n when Column(n.Operand, table, stats) is { } c:
                return n.Negated ? 1 - c.Stats.NullFraction : c.Stats.NullFraction;
            case Like l:
                return l.Negated ? 0.9 : 0.1;
            case InList { Negated: false } i when Column(i.Operand, table, stats) is { } c:
                return Math.Min(1, i.Items.Count / (double)Math.Max(1, c.Stats.Distinct));
            case Between { Negated: false } b when Column(b.Operand, table, stats) is { } c:
                return Range(c, Constant(b.Low, c.Type), Constant(b.High, c.Type));
            case Binary b when Comparison(b, table, stats) is var (c, op, value):
                var distinct = Math.Max(1, c.Stats.Distinct);
                return op switch
                {
                    "=" => 1 / (double)distinct,
                    "<>" => 1 - (1 / (double)distinct),
                    "<" or "<=" => Range(c, null, value),
                    _ => Range(c, value, null),
                };
            default:
                return Unknown;
        }
    }

    /// <summary>True when no row of the partition can satisfy the predicate, judged by its min and max (NULLs satisfy no comparison).</summary>
    public static bool Impossible(Expr conjunct, TableInfo table, PartitionStats stats)
    {
        switch (conjunct)
        {
            case Binary { Op: "AND" } and:
                return Impossible(and.Left, table, stats) || Impossible(and.Right, table, stats);
            case Binary { Op: "OR" } or:
                return Impossible(or.Left, table, stats) && Impossible(or.Right, table, stats);
            case IsNull { Negated: false } n when Column(n.Operand, table, stats) is { } c:
                return c.Stats.NullFraction == 0;
            case InList { Negated: false } i when Column(i.Operand, table, stats) is { } c:
                return i.Items.All(item => Constant(item, c.Type) is { } v && Outside(c, v, v));
            case Between { Negated: false } b when Column(b.Operand, table, stats) is { } c:
                return Constant(b.Low, c.Type) is { } low && Constant(b.High, c.Type) is { } high && Outside(c, low, high);
            case Binary b when Comparison(b, table, stats) is var (c, op, value):
                if (c.Min is null || c.Max is null)
                {
                    return c.Stats.NullFraction >= 1; // every value NULL
                }

                return op switch
                {
                    "=" => Outside(c, value, value),
                    "<" => Values.Compare(c.Min, value) >= 0,
                    "<=" => Values.Compare(c.Min, value) > 0,
                    ">" => Values.Compare(c.Max, value) <= 0,
                    ">=" => Values.Compare(c.Max, value) < 0,
                    _ => false,
                };
            default:
                return false;
        }
    }

    private sealed record ColumnFacts(SqlType Type, ColumnStats Stats, IComparable? Min, IComparable? Max);

    private static ColumnFacts? Column(Expr e, TableInfo table, PartitionStats stats)
    {
        if (e is not ColumnRef { Name: var name } || table.Column(name) is not { } column || stats.Columns.FirstOrDefault(c => c.Name == name) is not { } columnStats)
        {
            return null;
        }

        return new ColumnFacts(column.Type, columnStats, Values.Statistic(column.Type, columnStats.Min), Values.Statistic(column.Type, columnStats.Max));
    }

    private static IComparable? Constant(Expr e, SqlType type) => Constants.TryFold(e, out var value) ? Values.Comparable(type, value) : null;

    /// <summary>A comparison of a column with a constant, turned so the column is on the left.</summary>
    private static (ColumnFacts Column, string Op, IComparable Value)? Comparison(Binary b, TableInfo table, PartitionStats stats)
    {
        if (b.Op is not ("=" or "<>" or "<" or "<=" or ">" or ">="))
        {
            return null;
        }

        if (Column(b.Left, table, stats) is { } left && Constant(b.Right, left.Type) is { } right)
        {
            return (left, b.Op, right);
        }

        if (Column(b.Right, table, stats) is { } column && Constant(b.Left, column.Type) is { } value)
        {
            var flipped = b.Op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => b.Op };
            return (column, flipped, value);
        }

        return null;
    }

    private static bool Outside(ColumnFacts c, IComparable low, IComparable high)
        => c.Min is not null && c.Max is not null && (Values.Compare(high, c.Min) < 0 || Values.Compare(low, c.Max) > 0);

    /// <summary>The fraction of [min, max] between low and high (either open), for numbers and dates; a third for strings.</summary>
    private static double Range(ColumnFacts c, IComparable? low, IComparable? high)
    {
        if (c.Min is not double min || c.Max is not double max)
        {
            return Unknown;
        }

        if (max <= min)
        {
            return 1;
        }

        var from = low is double l ? Math.Max(min, l) : min;
        var to = high is double h ? Math.Min(max, h) : max;
        return Math.Clamp((to - from) / (max - min), 0, 1) * (1 - c.Stats.NullFraction);
    }
}
