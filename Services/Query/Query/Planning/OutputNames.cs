using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>The names of a query's result columns, as PostgreSQL gives them.</summary>
public static class OutputNames
{
    public static string Of(SelectItem item) => item.Alias ?? item.Expr switch
    {
        ColumnRef c => c.Name,
        Call c => c.Name,
        Cast c when c.Operand is ColumnRef inner => inner.Name,
        Extract => "extract",
        Case => "case",
        _ => "?column?",
    };

    /// <summary>True when an ORDER BY expression names a result column (an ordinal or an output name), which the final step can sort by as is.</summary>
    public static bool Refers(Expr order, IReadOnlyList<string> names)
        => order is Literal { Value: long } || (order is ColumnRef { Table: null } c && names.Contains(c.Name));
}
