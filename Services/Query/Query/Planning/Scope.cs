using Platform.Query.Catalog;
using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>The tables of one FROM clause by label, and which of them a column reference means.</summary>
public sealed class Scope(IReadOnlyList<(TableRef Ref, TableInfo Table)> relations)
{
    public IReadOnlyList<(TableRef Ref, TableInfo Table)> Relations { get; } = relations;

    /// <summary>The label of the table a column belongs to; null when none has it (an output alias, or an error for the engine to report).</summary>
    public string? LabelOf(ColumnRef column)
    {
        if (column.Table is { } qualifier)
        {
            return Relations.Any(r => r.Ref.Label == qualifier) ? qualifier : throw new PlanningException($"missing FROM-clause entry for table \"{qualifier}\"", column.At, PlanningException.UndefinedTable);
        }

        var owners = Relations.Where(r => r.Table.Column(column.Name) is not null).ToList();
        return owners.Count switch
        {
            0 => null,
            1 => owners[0].Ref.Label,
            _ => throw new PlanningException($"column reference \"{column.Name}\" is ambiguous", column.At, PlanningException.AmbiguousColumn),
        };
    }

    /// <summary>The labels an expression reads; "?" stands for a column no table of the scope has.</summary>
    public HashSet<string> LabelsOf(Expr e)
        => [.. Expressions.Descendants(e).OfType<ColumnRef>().Select(c => LabelOf(c) ?? "?")];
}
