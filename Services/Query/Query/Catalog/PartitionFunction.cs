using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Platform.Query.Planning;

namespace Platform.Query.Catalog;

/// <summary>
/// Which partition holds a value of a table's partition column. Hashing sees integers of either width as the same
/// 64-bit value and dates as day numbers, so equal join keys of two tables land in the same partition index.
/// </summary>
public static class PartitionFunction
{
    /// <summary>The partition of a value already of the column's type (<see cref="Values.Parse"/> or <see cref="Values.Coerce"/>).</summary>
    public static int Of(TableInfo table, object? value)
    {
        if (value is null)
        {
            return 0;
        }

        if (table.Method == "HASH")
        {
            return (int)(Hash(value) % (ulong)table.Partitions);
        }

        var comparable = Values.Comparable(table.Columns[table.KeyIndex].Type, value);
        var bounds = table.RangeBounds;
        for (var i = 0; i < bounds.Count; i++)
        {
            if (comparable is not null && bounds[i] is { } bound && Values.Compare(comparable, bound) < 0)
            {
                return i;
            }
        }

        return table.Bounds.Count;
    }

    private static ulong Hash(object value)
    {
        Span<byte> eight = stackalloc byte[8];
        switch (value)
        {
            case string s:
                return XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(s));
            case decimal d:
                return XxHash3.HashToUInt64(Encoding.UTF8.GetBytes((d / 1.000000000000000000000000000000000m).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            case double d:
                BinaryPrimitives.WriteInt64LittleEndian(eight, BitConverter.DoubleToInt64Bits(d));
                return XxHash3.HashToUInt64(eight);
            default:
                var number = value switch
                {
                    long l => l,
                    int i => i,
                    bool b => b ? 1 : 0,
                    DateOnly date => date.DayNumber,
                    DateTime time => time.Ticks,
                    _ => throw new ArgumentException($"No partition hash for {value.GetType().Name}.", nameof(value)),
                };
                BinaryPrimitives.WriteInt64LittleEndian(eight, number);
                return XxHash3.HashToUInt64(eight);
        }
    }
}
