using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Apache.Arrow.Types;
using DuckDB.NET.Native;

namespace Platform.Query.Contracts;

/// <summary>
/// The column types rows carry between nodes, by their engine names (BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s),
/// VARCHAR, DATE, TIMESTAMP), and the Arrow type each travels as. A type outside this vocabulary is refused, never guessed.
/// </summary>
public static partial class EngineTypes
{
    private const string Boolean = "BOOLEAN";
    private const string Integer = "INTEGER";
    private const string BigInt = "BIGINT";
    private const string Double = "DOUBLE";
    private const string Varchar = "VARCHAR";
    private const string Date = "DATE";
    private const string Timestamp = "TIMESTAMP";

    /// <summary>HUGEINT (what the engine's SUM of BIGINT returns) and UBIGINT travel as this, as the engine's own Arrow export does.</summary>
    public static readonly Decimal128Type WideInteger = new(38, 0);

    private static readonly TimestampType Microseconds = new(TimeUnit.Microsecond, (string?)null);

    /// <summary>
    /// The canonical engine name of <paramref name="type"/>; throws <see cref="ArgumentException"/> for a type outside the
    /// vocabulary. A few PostgreSQL spellings are accepted, and the engine's other result types become the one that holds
    /// them (SMALLINT → INTEGER, FLOAT → DOUBLE, HUGEINT → DECIMAL(38,0), TIMESTAMP WITH TIME ZONE → TIMESTAMP in UTC).
    /// </summary>
    public static string Normalize(string type) => FromArrow(ToArrow(type));

    public static IArrowType ToArrow(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var name = type.Trim().ToUpperInvariant();
        if (DecimalPattern().Match(name) is { Success: true } match)
        {
            var precision = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            var scale = int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
            return precision is >= 1 and <= 38 && scale <= precision
                ? new Decimal128Type(precision, scale)
                : throw new ArgumentException($"DECIMAL({precision},{scale}) is out of range: precision is 1 to 38, and scale at most the precision.", nameof(type));
        }

        return name switch
        {
            Boolean or "BOOL" => BooleanType.Default,
            Integer or "INT" or "INT4" or "SMALLINT" or "INT2" or "TINYINT" or "UTINYINT" or "USMALLINT" => Int32Type.Default,
            BigInt or "INT8" or "UINTEGER" => Int64Type.Default,
            "HUGEINT" or "UBIGINT" => WideInteger,
            Double or "DOUBLE PRECISION" or "FLOAT8" or "FLOAT" or "FLOAT4" or "REAL" => DoubleType.Default,
            Varchar or "TEXT" or "STRING" => StringType.Default,
            _ when VarcharPattern().IsMatch(name) => StringType.Default,
            Date => Date32Type.Default,
            Timestamp or "TIMESTAMP WITH TIME ZONE" or "TIMESTAMPTZ" or "TIMESTAMP_S" or "TIMESTAMP_MS" or "TIMESTAMP_NS" => Microseconds,
            _ => throw new ArgumentException($"'{type}' is not a column type rows can carry; use one of BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP.", nameof(type)),
        };
    }

    public static string FromArrow(IArrowType type) => type switch
    {
        BooleanType => Boolean,
        Int32Type => Integer,
        Int64Type => BigInt,
        DoubleType => Double,
        Decimal128Type d => $"DECIMAL({d.Precision},{d.Scale})",
        StringType => Varchar,
        Date32Type => Date,
        TimestampType => Timestamp,
        _ => throw new NotSupportedException($"Arrow type {type.Name} is not one rows carry between nodes."),
    };

    /// <summary>The Arrow type a reader's column travels as, from its .NET type; narrower integers and FLOAT widen, decimals keep the engine's precision and scale.</summary>
    internal static IArrowType ForClr(Type clr, int? precision, int? scale, string column, string engineName)
    {
        if (clr == typeof(bool))
        {
            return BooleanType.Default;
        }

        if (clr == typeof(int) || clr == typeof(short) || clr == typeof(sbyte) || clr == typeof(ushort) || clr == typeof(byte))
        {
            return Int32Type.Default;
        }

        if (clr == typeof(long) || clr == typeof(uint))
        {
            return Int64Type.Default;
        }

        if (clr == typeof(BigInteger) || clr == typeof(ulong))
        {
            return WideInteger;
        }

        if (clr == typeof(double) || clr == typeof(float))
        {
            return DoubleType.Default;
        }

        if (clr == typeof(decimal))
        {
            // Unknown when the reader does not say, as the engine's does not for an empty result: room for any practical value.
            return precision is >= 1 and <= 38 && scale is { } known && known <= precision ? new Decimal128Type(precision.Value, known) : new Decimal128Type(38, 10);
        }

        if (clr == typeof(string))
        {
            return StringType.Default;
        }

        if (clr == typeof(DateOnly) || clr == typeof(DuckDBDateOnly))
        {
            return Date32Type.Default;
        }

        if (clr == typeof(DateTime) || clr == typeof(DateTimeOffset))
        {
            return Microseconds;
        }

        throw new NotSupportedException($"Column '{column}' is of type {engineName}, which rows between nodes cannot carry; cast it to BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE or TIMESTAMP.");
    }

    [GeneratedRegex(@"^(?:DECIMAL|NUMERIC)\s*\(\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)$")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"^VARCHAR\s*\(\s*\d+\s*\)$")]
    private static partial Regex VarcharPattern();
}
