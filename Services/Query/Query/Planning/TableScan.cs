using Platform.Query.Catalog;
using Platform.Query.Contracts;
using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>
/// One table's part of a plan after the optimizer looked at its predicates: the partitions still to read (those a
/// predicate cannot match are pruned: by the hash of the partition key, or by a partition's min/max; a partition never
/// written holds nothing), the rows they hold and the rows estimated to pass.
/// </summary>
public sealed record TableScan(string Label, TableInfo Table, IReadOnlyList<int> Partitions, double ScannedRows, double EstimatedRows)
{
    /// <summary>Plans the scan of <paramref name="table"/> under the conjuncts that reference only it (columns resolved to it).</summary>
    public static TableScan Of(string label, TableInfo table, IReadOnlyList<Expr> conjuncts)
    {
        var hashed = HashedPartitions(table, conjuncts);
        var kept = new List<int>();
        double scanned = 0, estimated = 0;
        foreach (var partition in table.PartitionList)
        {
            if (partition.Stats is not { Rows: > 0 } stats || (hashed is not null && !hashed.Contains(partition.Index)))
            {
                continue;
            }

            var selectivity = 1.0;
            var impossible = false;
            foreach (var conjunct in conjuncts)
            {
                impossible |= Selectivity.Impossible(conjunct, table, stats);
                selectivity *= Selectivity.Of(conjunct, table, stats);
            }

            if (!impossible)
            {
                kept.Add(partition.Index);
                scanned += stats.Rows;
                estimated += stats.Rows * selectivity;
            }
        }

        return new TableScan(label, table, kept, scanned, estimated);
    }

    /// <summary>The distinct values a column is estimated to take (the largest partition's count: values repeat across partitions unless it is the hash key).</summary>
    public double Distinct(string column)
    {
        var counts = Table.PartitionList.Where(p => Partitions.Contains(p.Index))
            .Select(p => p.Stats?.Columns.FirstOrDefault(c => c.Name == column)?.Distinct ?? 0).ToList();
        if (counts.Count == 0)
        {
            return 1;
        }

        return Math.Max(1, Table.Method == "HASH" && Table.PartitionColumn == column ? counts.Sum() : counts.Max());
    }

    /// <summary>With the hash key equal to constants (= or IN), only their partitions; null when no such predicate.</summary>
    private static HashSet<int>? HashedPartitions(TableInfo table, IReadOnlyList<Expr> conjuncts)
    {
        if (table.Method != "HASH")
        {
            return null;
        }

        var type = table.Column(table.PartitionColumn)!.Type;
        foreach (var conjunct in conjuncts)
        {
            IEnumerable<Expr>? constants = conjunct switch
            {
                Binary { Op: "=", Left: ColumnRef c } b when c.Name == table.PartitionColumn => [b.Right],
                Binary { Op: "=", Right: ColumnRef c } b when c.Name == table.PartitionColumn => [b.Left],
                InList { Negated: false, Operand: ColumnRef c } i when c.Name == table.PartitionColumn => i.Items,
                _ => null,
            };
            if (constants is null)
            {
                continue;
            }

            var partitions = new HashSet<int>();
            foreach (var constant in constants)
            {
                if (!Constants.TryFold(constant, out var value) || Values.Coerce(type, value) is not { } typed)
                {
                    partitions = null;
                    break;
                }

                partitions.Add(PartitionFunction.Of(table, typed));
            }

            if (partitions is not null)
            {
                return partitions;
            }
        }

        return null;
    }
}
