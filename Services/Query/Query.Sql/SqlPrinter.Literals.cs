using System.Globalization;

namespace Platform.Query.Sql;

/// <summary>Constants in a form that reads back as the same type: a decimal keeps its point, a double its exponent.</summary>
public static partial class SqlPrinter
{
    private static string FormatLiteral(object? value) => value switch
    {
        null => "NULL",
        bool b => b ? "TRUE" : "FALSE",
        long or int or short => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        decimal d => FormatDecimal(d),
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        string s => Quote(s),
        DateOnly date => $"DATE '{date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'",
        // The engine keeps microseconds; the fraction and its point are left out when zero.
        DateTime time => $"TIMESTAMP '{time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture)}'",
        _ => throw new NotSupportedException($"cannot print a constant of type {value.GetType().Name}"),
    };

    /// <summary>A string constant in single quotes, inner quotes doubled (no backslash escapes in either dialect).</summary>
    private static string Quote(string s) => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'";

    private static string FormatDecimal(decimal d)
    {
        var text = d.ToString(CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string FormatDouble(double d)
    {
        if (!double.IsFinite(d))
        {
            return $"CAST('{(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity")}' AS DOUBLE)";
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('E', StringComparison.Ordinal) ? text : text + "E0";
    }
}
