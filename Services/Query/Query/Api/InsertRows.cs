using Platform.Query.Catalog;
using Platform.Query.Planning;
using Platform.Query.Sql;

namespace Platform.Query.Api;

/// <summary>The rows of an INSERT ... VALUES as values of the table's columns (each a constant; unnamed columns NULL).</summary>
public static class InsertRows
{
    public static List<object?[]> Of(TableInfo table, Insert insert)
    {
        var names = insert.Columns ?? [.. table.Columns.Select(c => c.Name)];
        var positions = names.Select(n => table.IndexOf(n) is >= 0 and var i ? i
            : throw new PlanningException($"column \"{n}\" of relation \"{table.Name}\" does not exist", insert.At)).ToArray();
        var rows = new List<object?[]>();
        foreach (var row in insert.Rows)
        {
            if (row.Count != positions.Length)
            {
                throw new PlanningException($"INSERT has {row.Count} expressions where {positions.Length} columns are named", (row.Count > 0 ? row[0].At : insert.At), PlanningException.Syntax);
            }

            var values = new object?[table.Columns.Count];
            for (var i = 0; i < row.Count; i++)
            {
                var column = table.Columns[positions[i]];
                if (!Constants.TryFold(row[i], out var constant))
                {
                    throw new PlanningException("INSERT takes constant values", row[i].At, PlanningException.Syntax);
                }

                values[positions[i]] = constant is null ? null
                    : Values.Coerce(column.Type, constant) ?? throw new PlanningException($"value is not a {column.Type} for column \"{column.Name}\"", row[i].At);
            }

            if (values[table.KeyIndex] is null)
            {
                throw new PlanningException($"the partition column \"{table.PartitionColumn}\" may not be NULL", insert.At);
            }

            rows.Add(values);
        }

        return rows;
    }
}
