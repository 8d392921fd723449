using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>
/// Folds constant expressions the optimizer reasons with (<c>DATE '1998-12-01' - INTERVAL '90' DAY</c>, <c>-5</c>,
/// <c>CAST('1995-01-01' AS DATE)</c>); anything else is not a constant to it (the engine still evaluates it).
/// </summary>
public static class Constants
{
    public static bool TryFold(Expr e, out object? value)
    {
        value = null;
        switch (e)
        {
            case Literal l:
                value = l.Value;
                return true;
            case Unary { Op: "-" } u when TryFold(u.Operand, out var operand):
                value = operand switch { long v => -v, decimal v => -v, double v => -v, _ => null };
                return value is not null;
            case Cast c when TryFold(c.Operand, out var operand):
                value = Values.Coerce(c.Type, operand);
                return value is not null;
            case Binary { Op: "+" or "-" } b when b.Right is IntervalLiteral interval && TryFold(b.Left, out var left) && left is DateOnly or DateTime:
                value = Shift(left, interval, b.Op == "-" ? -1 : 1);
                return value is not null;
            case Binary { Op: "+" or "-" or "*" } b when TryFold(b.Left, out var left) && TryFold(b.Right, out var right):
                value = Arithmetic(b.Op, left, right);
                return value is not null;
            default:
                return false;
        }
    }

    private static object? Shift(object? moment, IntervalLiteral interval, int sign)
    {
        var amount = (int)interval.Amount * sign;
        return (moment, interval.Unit) switch
        {
            (DateOnly d, "DAY") => d.AddDays(amount),
            (DateOnly d, "MONTH") => d.AddMonths(amount),
            (DateOnly d, "YEAR") => d.AddYears(amount),
            (DateTime t, "DAY") => t.AddDays(amount),
            (DateTime t, "MONTH") => t.AddMonths(amount),
            (DateTime t, "YEAR") => t.AddYears(amount),
            (DateTime t, "HOUR") => t.AddHours(amount),
            (DateTime t, "MINUTE") => t.AddMinutes(amount),
            (DateTime t, "SECOND") => t.AddSeconds(amount),
            _ => null,
        };
    }

    private static object? Arithmetic(string op, object? left, object? right) => (left, right) switch
    {
        (long a, long b) => op switch { "+" => a + b, "-" => a - b, _ => a * b },
        (long or decimal, long or decimal) => Apply(op, Convert.ToDecimal(left, System.Globalization.CultureInfo.InvariantCulture), Convert.ToDecimal(right, System.Globalization.CultureInfo.InvariantCulture)),
        (long or decimal or double, long or decimal or double) => Apply(op, Convert.ToDouble(left, System.Globalization.CultureInfo.InvariantCulture), Convert.ToDouble(right, System.Globalization.CultureInfo.InvariantCulture)),
        _ => null,
    };

    private static decimal Apply(string op, decimal a, decimal b) => op switch { "+" => a + b, "-" => a - b, _ => a * b };

    private static double Apply(string op, double a, double b) => op switch { "+" => a + b, "-" => a - b, _ => a * b };
}
