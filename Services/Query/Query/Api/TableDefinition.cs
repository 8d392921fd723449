using System.Globalization;
using Platform.Query.Catalog;
using Platform.Query.Planning;
using Platform.Query.Sql;

namespace Platform.Query.Api;

/// <summary>
/// A CREATE TABLE as a catalog entry: unique column names, a partition column of the table (the first column when the
/// statement names none), 1 to 256 hash partitions (6 by default), range bounds of the column's type in increasing order.
/// </summary>
public static class TableDefinition
{
    public static TableInfo From(CreateTable create)
    {
        if (create.Name.StartsWith("__", StringComparison.Ordinal) || create.Name.Length > 63)
        {
            throw new PlanningException($"\"{create.Name}\" is not a table name this system takes (at most 63 characters, not starting with \"__\")", create.At, PlanningException.Syntax);
        }

        if (create.Columns.FirstOrDefault(c => c.Name.StartsWith("__", StringComparison.Ordinal)) is { } reserved)
        {
            throw new PlanningException($"\"{reserved.Name}\" is not a column name this system takes (names starting with \"__\" are its own)", create.At, PlanningException.Syntax);
        }

        if (create.Columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new PlanningException($"column \"{twice.Key}\" specified more than once", create.At, PlanningException.Syntax);
        }

        var columns = create.Columns.Select(c => new TableColumn(c.Name, c.Type)).ToList();
        var by = create.PartitionBy ?? new Partitioning("HASH", create.Columns[0].Name, null, []);
        var key = columns.FirstOrDefault(c => c.Name == by.Column)
                  ?? throw new PlanningException($"partition column \"{by.Column}\" is not a column of \"{create.Name}\"", create.At, PlanningException.Syntax);
        if (by.Method == "HASH")
        {
            var partitions = by.Partitions ?? TableInfo.DefaultPartitions;
            return partitions is < 1 or > 256
                ? throw new PlanningException("a table has 1 to 256 hash partitions", create.At, PlanningException.Syntax)
                : new TableInfo(create.Name, columns, "HASH", key.Name, partitions, [], []);
        }

        var bounds = new List<string>();
        IComparable? previous = null;
        foreach (var bound in by.Bounds)
        {
            var value = Values.Coerce(key.Type, bound.Value) ?? throw new PlanningException($"range bound is not a {key.Type}", bound.At, PlanningException.Syntax);
            var comparable = Values.Comparable(key.Type, value)!;
            if (previous is not null && Values.Compare(previous, comparable) >= 0)
            {
                throw new PlanningException("range bounds must increase", bound.At, PlanningException.Syntax);
            }

            previous = comparable;
            bounds.Add(value switch
            {
                DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString()!,
            });
        }

        return new TableInfo(create.Name, columns, "RANGE", key.Name, bounds.Count + 1, bounds, []);
    }
}
