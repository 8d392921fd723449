using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Platform.Query.Wire;

/// <summary>
/// The engine's result types as PostgreSQL's (type oid and size), and values in PostgreSQL's text and binary formats:
/// psql reads text, Npgsql asks for binary where it knows the type.
/// </summary>
public static class PgTypes
{
    private static readonly DateOnly Epoch = new(2000, 1, 1);

    /// <summary>From the engine's name for a result column's type (DuckDB.NET names them "BigInt", "Decimal", "HugeInt", ...).</summary>
    public static (int Oid, short Size) Of(string engineType) => engineType.Split('(')[0].ToUpperInvariant() switch
    {
        "BOOLEAN" => (16, 1),
        "SMALLINT" or "TINYINT" => (21, 2),
        "INTEGER" => (23, 4),
        "BIGINT" => (20, 8),
        "FLOAT" => (700, 4),
        "DOUBLE" => (701, 8),
        "DECIMAL" or "HUGEINT" => (1700, -1),
        "DATE" => (1082, 4),
        "TIMESTAMP" => (1114, 8),
        _ => (25, -1),
    };

    public static byte[] Text(object value) => Encoding.UTF8.GetBytes(value switch
    {
        bool b => b ? "t" : "f",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    });

    /// <summary>The binary form of a value of the given type oid (as <see cref="Of"/> named it).</summary>
    public static byte[] Binary(int oid, object value)
    {
        var bytes = new byte[oid switch { 16 => 1, 21 => 2, 23 or 1082 or 700 => 4, 20 or 701 or 1114 => 8, _ => 0 }];
        switch (oid)
        {
            case 16:
                bytes[0] = (bool)value ? (byte)1 : (byte)0;
                return bytes;
            case 21:
                BinaryPrimitives.WriteInt16BigEndian(bytes, Convert.ToInt16(value, CultureInfo.InvariantCulture));
                return bytes;
            case 23:
                BinaryPrimitives.WriteInt32BigEndian(bytes, Convert.ToInt32(value, CultureInfo.InvariantCulture));
                return bytes;
            case 20:
                BinaryPrimitives.WriteInt64BigEndian(bytes, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return bytes;
            case 700:
                BinaryPrimitives.WriteSingleBigEndian(bytes, Convert.ToSingle(value, CultureInfo.InvariantCulture));
                return bytes;
            case 701:
                BinaryPrimitives.WriteDoubleBigEndian(bytes, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                return bytes;
            case 1082:
                BinaryPrimitives.WriteInt32BigEndian(bytes, ((DateOnly)value).DayNumber - Epoch.DayNumber);
                return bytes;
            case 1114:
                BinaryPrimitives.WriteInt64BigEndian(bytes, (((DateTime)value).Ticks - Epoch.ToDateTime(TimeOnly.MinValue).Ticks) / 10);
                return bytes;
            case 1700:
                return Numeric(value is BigInteger big ? big.ToString(CultureInfo.InvariantCulture) : Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            default:
                return Text(value);
        }
    }

    /// <summary>PostgreSQL's binary numeric: base-10000 digits around the point, a weight, a sign and the display scale.</summary>
    private static byte[] Numeric(string text)
    {
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var point = digits.IndexOf('.', StringComparison.Ordinal);
        var (whole, fraction) = point < 0 ? (digits, "") : (digits[..point], digits[(point + 1)..]);
        whole = whole.TrimStart('0');
        var groups = new List<short>();
        var paddedWhole = whole.PadLeft((whole.Length + 3) / 4 * 4, '0');
        for (var i = 0; i < paddedWhole.Length; i += 4)
        {
            groups.Add(short.Parse(paddedWhole.AsSpan(i, 4), CultureInfo.InvariantCulture));
        }

        var weight = groups.Count - 1;
        var paddedFraction = fraction.PadRight((fraction.Length + 3) / 4 * 4, '0');
        for (var i = 0; i < paddedFraction.Length; i += 4)
        {
            groups.Add(short.Parse(paddedFraction.AsSpan(i, 4), CultureInfo.InvariantCulture));
        }

        while (groups.Count > 0 && groups[0] == 0)
        {
            groups.RemoveAt(0);
            weight--;
        }

        while (groups.Count > 0 && groups[^1] == 0)
        {
            groups.RemoveAt(groups.Count - 1);
        }

        var bytes = new byte[8 + (2 * groups.Count)];
        BinaryPrimitives.WriteInt16BigEndian(bytes, (short)groups.Count);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2), (short)(groups.Count == 0 ? 0 : weight));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), negative && groups.Count > 0 ? (ushort)0x4000 : (ushort)0);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(6), (short)fraction.Length);
        for (var i = 0; i < groups.Count; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(8 + (2 * i)), groups[i]);
        }

        return bytes;
    }
}
