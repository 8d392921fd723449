using System.Globalization;
using Platform.Query.Contracts;
using Platform.Query.Sql;

namespace Platform.Query.Catalog;

public sealed record TableColumn(string Name, SqlType Type);

/// <summary>
/// A partition of a table: the nodes holding a copy (the first is preferred), those of them that missed a batch (not
/// read until they catch up), its statistics (null before the first ingest: nothing known, nothing pruned), and how many
/// ingests have found a copy down (a copy caught up is marked fresh only if that count has not moved meanwhile).
/// </summary>
public sealed record PartitionInfo(int Index, IReadOnlyList<string> Nodes, IReadOnlyList<string> Stale, PartitionStats? Stats, long Misses = 0)
{
    public IEnumerable<string> Readable => Nodes.Except(Stale);

    public long Rows => Stats?.Rows ?? 0;
}

/// <summary>
/// A tenant's table in the catalog: its columns, and rows spread by HASH of the partition column over
/// <see cref="Partitions"/> partitions, or by RANGE: partition i holds Bounds[i-1] &lt;= value &lt; Bounds[i].
/// </summary>
public sealed record TableInfo(string Name, IReadOnlyList<TableColumn> Columns, string Method, string PartitionColumn, int Partitions,
    IReadOnlyList<string> Bounds, IReadOnlyList<PartitionInfo> PartitionList)
{
    public const int DefaultPartitions = 6;

    public TableColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>The position of a column in a row of the table; -1 when it has none of that name.</summary>
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == column)
            {
                return i;
            }
        }

        return -1;
    }

    private int? _keyIndex;
    private IComparable?[]? _rangeBounds;

    /// <summary>The position of the partition column in a row (found once per catalog entry: ingest asks for every row).</summary>
    public int KeyIndex => _keyIndex ??= IndexOf(PartitionColumn);

    /// <summary>A range table's bounds as comparable values of the partition column's type, parsed once per catalog entry.</summary>
    public IReadOnlyList<IComparable?> RangeBounds => _rangeBounds ??= [.. Bounds.Select(b => Planning.Values.Statistic(Columns[KeyIndex].Type, b))];

    public IReadOnlyList<ColumnSchema> Schema => [.. Columns.Select(c => new ColumnSchema(c.Name, c.Type.ToString()))];

    public long Rows => PartitionList.Sum(p => p.Rows);

    /// <summary>Reads an engine type name back (as <see cref="SqlType.ToString"/> writes it).</summary>
    public static SqlType ParseType(string text)
    {
        if (text.StartsWith("DECIMAL(", StringComparison.Ordinal))
        {
            var parts = text["DECIMAL(".Length..^1].Split(',');
            return SqlType.Decimal(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }

        return new SqlType(text);
    }
}
