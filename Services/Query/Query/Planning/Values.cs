using System.Globalization;
using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>Values of the dialect's types: parsed from text (ingest, statistics), coerced from literals, and made comparable.</summary>
public static class Values
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd"];

    /// <summary>A column's value from its text form (CSV, statistics); throws FormatException naming the type.</summary>
    public static object Parse(SqlType type, string text)
    {
        var invariant = CultureInfo.InvariantCulture;
        try
        {
            return type.Name switch
            {
                "BOOLEAN" => text.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "T" or "1" => true,
                    "FALSE" or "F" or "0" => false,
                    _ => throw new FormatException(),
                },
                "INTEGER" => int.Parse(text, NumberStyles.Integer, invariant),
                "BIGINT" => long.Parse(text, NumberStyles.Integer, invariant),
                "DOUBLE" => double.Parse(text, NumberStyles.Float, invariant),
                "DECIMAL" => Math.Round(decimal.Parse(text, NumberStyles.Number | NumberStyles.AllowExponent, invariant), type.Scale),
                "DATE" => DateOnly.ParseExact(text.Trim(), DateFormats, invariant),
                "TIMESTAMP" => DateTime.Parse(text, invariant, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                _ => text,
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new FormatException($"'{text}' is not a valid {type}.", e);
        }
    }

    /// <summary>A constant as a value of a column's type (5 for a DECIMAL column is 5m, '1995-01-01' for a DATE is a date); null when it does not convert.</summary>
    public static object? Coerce(SqlType type, object? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return (type.Name, value) switch
            {
                ("BOOLEAN", bool b) => b,
                ("INTEGER" or "BIGINT", long or int) => Convert.ToInt64(value, CultureInfo.InvariantCulture),
                ("INTEGER" or "BIGINT", decimal d) when d == decimal.Truncate(d) => (long)d,
                ("DOUBLE", long or int or decimal or double) => Convert.ToDouble(value, CultureInfo.InvariantCulture),
                ("DECIMAL", long or int or decimal) => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
                ("DECIMAL", double d) => (decimal)d,
                ("DATE", DateOnly d) => d,
                ("DATE", DateTime t) when t.TimeOfDay == TimeSpan.Zero => DateOnly.FromDateTime(t),
                ("TIMESTAMP", DateTime t) => t,
                ("TIMESTAMP", DateOnly d) => d.ToDateTime(TimeOnly.MinValue),
                ("VARCHAR", string s) => s,
                (_, string s) when type.Name != "VARCHAR" => Parse(type, s),
                _ => null,
            };
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A number on one axis per type, for ordering and interpolation (dates as day numbers); strings compare as strings.</summary>
    public static IComparable? Comparable(SqlType type, object? value) => Coerce(type, value) switch
    {
        null => null,
        long l => (double)l,
        int i => (double)i,
        decimal d => (double)d,
        double d => d,
        DateOnly d => (double)d.DayNumber,
        DateTime t => t.Ticks / (double)TimeSpan.TicksPerSecond,
        bool b => b ? 1.0 : 0.0,
        string s => s,
        _ => null,
    };

    /// <summary>The same value a statistic printed (min/max), comparable.</summary>
    public static IComparable? Statistic(SqlType type, string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return Comparable(type, type.Name == "TIMESTAMP" ? DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal) : Parse(type, text));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static int Compare(IComparable a, IComparable b)
        => a is string sa && b is string sb ? string.CompareOrdinal(sa, sb) : a.GetType() == b.GetType() ? a.CompareTo(b) : 0;
}
