using System.Globalization;
using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;
using DuckDB.NET.Native;

namespace Platform.Query.Contracts;

/// <summary>
/// One column of a record batch being built from plain .NET values: what a reader returns or a parser produced
/// (numbers, strings, dates). Null and <see cref="DBNull"/> are SQL NULL.
/// </summary>
internal abstract class ColumnBuilder
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public abstract void Append(object? value);

    /// <summary>The values appended since the last build, as an array; the builder starts empty again.</summary>
    public abstract IArrowArray Build();

    public static ColumnBuilder For(IArrowType type) => type switch
    {
        BooleanType => new Typed<BooleanArray, BooleanArray.Builder>(() => new(), (b, v) => b.Append(v is string s ? bool.Parse(s) : Convert.ToBoolean(v, Invariant))),
        Int32Type => new Typed<Int32Array, Int32Array.Builder>(() => new(), (b, v) => b.Append(v is BigInteger big ? (int)big : Convert.ToInt32(v, Invariant))),
        Int64Type => new Typed<Int64Array, Int64Array.Builder>(() => new(), (b, v) => b.Append(v is BigInteger big ? (long)big : Convert.ToInt64(v, Invariant))),
        DoubleType => new Typed<DoubleArray, DoubleArray.Builder>(() => new(), (b, v) => b.Append(v is BigInteger big ? (double)big : Convert.ToDouble(v, Invariant))),
        Decimal128Type d => new Typed<Decimal128Array, Decimal128Array.Builder>(() => new(d), (b, v) => AppendDecimal(b, d, v)),
        StringType => new Typed<StringArray, StringArray.Builder>(() => new(), (b, v) => b.Append(v as string ?? Convert.ToString(v, Invariant))),
        Date32Type => new Typed<Date32Array, Date32Array.Builder>(() => new(), (b, v) => b.Append(ToDate(v))),
        TimestampType t => new Typed<TimestampArray, TimestampArray.Builder>(() => new(t), (b, v) => b.Append(ToTimestamp(v))),
        _ => throw new NotSupportedException($"Arrow type {type.Name} is not one rows carry between nodes."),
    };

    private static void AppendDecimal(Decimal128Array.Builder builder, Decimal128Type type, object value)
    {
        if (value is BigInteger big && (big > (BigInteger)decimal.MaxValue || big < (BigInteger)decimal.MinValue))
        {
            builder.Append(big.ToString(Invariant)); // beyond System.Decimal: Arrow takes the digits exactly
            return;
        }

        var number = value switch
        {
            decimal m => m,
            BigInteger b => (decimal)b,
            string s => decimal.Parse(s, NumberStyles.Float, Invariant),
            _ => Convert.ToDecimal(value, Invariant),
        };

        // A parsed value may carry more fraction digits than the column keeps; round as the engine's cast does.
        builder.Append(type.Scale <= 28 ? Math.Round(number, type.Scale, MidpointRounding.AwayFromZero) : number);
    }

    private static DateOnly ToDate(object value) => value switch
    {
        DateOnly d => d,
        DuckDBDateOnly d => d.ToDateOnly(),
        DateTime t => DateOnly.FromDateTime(t),
        DateTimeOffset t => DateOnly.FromDateTime(t.DateTime),
        string s => DateOnly.Parse(s, Invariant),
        _ => throw new InvalidCastException($"A {value.GetType().Name} is not a DATE."),
    };

    /// <summary>A TIMESTAMP is a wall-clock time: a DateTime keeps its clock reading, an offset time becomes UTC.</summary>
    private static DateTimeOffset ToTimestamp(object value) => value switch
    {
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
        DateTimeOffset t => t.ToUniversalTime(),
        DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)),
        string s => DateTimeOffset.Parse(s, Invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidCastException($"A {value.GetType().Name} is not a TIMESTAMP."),
    };

    private sealed class Typed<TArray, TBuilder>(Func<TBuilder> create, Action<TBuilder, object> append) : ColumnBuilder
        where TArray : IArrowArray
        where TBuilder : IArrowArrayBuilder<TArray, TBuilder>
    {
        private TBuilder builder = create();

        public override void Append(object? value)
        {
            if (value is null or DBNull)
            {
                builder.AppendNull();
            }
            else
            {
                append(builder, value);
            }
        }

        public override IArrowArray Build()
        {
            var built = builder.Build(default);
            builder = create();
            return built;
        }
    }
}
