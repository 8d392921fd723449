using System.Globalization;

namespace Platform.Query.Sql;

/// <summary>Typed literals: DATE '...', TIMESTAMP '...', and INTERVAL in its standard, PostgreSQL and DuckDB spellings.</summary>
public sealed partial class SqlParser
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-M-d"];

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm",
    ];

    private Literal ParseTypedLiteral()
    {
        var keyword = Advance();
        var text = Advance();
        var value = text.Text.Trim();
        if (keyword.Is("DATE"))
        {
            return DateOnly.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? new Literal(keyword.At, date)
                : throw new SqlSyntaxException($"invalid DATE literal '{text.Text}'", text.At);
        }

        return DateTime.TryParseExact(value, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var timestamp)
            ? new Literal(keyword.At, timestamp)
            : throw new SqlSyntaxException($"invalid TIMESTAMP literal '{text.Text}'", text.At);
    }

    // INTERVAL '3' MONTH and INTERVAL '90 days' (PostgreSQL), INTERVAL 3 MONTH and INTERVAL (-3) MONTH (what the printer writes).
    private IntervalLiteral ParseInterval()
    {
        var at = ExpectKeyword("INTERVAL").At;
        var token = Current;
        if (token.Kind == TokenKind.Text)
        {
            Advance();
            var parts = token.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 1 && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount))
            {
                return ParseIntervalUnit(at, amount);
            }

            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out amount)
                && IntervalUnit(parts[1]) is { } unit)
            {
                return Scaled(at, amount, unit);
            }

            throw new SqlSyntaxException($"unsupported INTERVAL '{token.Text}': write a whole number and one unit, e.g. '90 days'", token.At);
        }

        var parenthesized = AcceptSymbol("(");
        var negative = AcceptSymbol("-");
        var number = Current;
        if (number.Value is not long n)
        {
            throw Current.Kind == TokenKind.End ? Unexpected() : new SqlSyntaxException("expected a whole number of INTERVAL units", number.At);
        }

        Advance();
        if (parenthesized)
        {
            ExpectSymbol(")");
        }

        return ParseIntervalUnit(at, negative ? -n : n);
    }

    private IntervalLiteral ParseIntervalUnit(Position at, long amount)
    {
        var token = Current;
        if (token.Kind != TokenKind.Name || IntervalUnit(token.Text) is not { } unit)
        {
            throw Expected("an INTERVAL unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)");
        }

        Advance();
        return Scaled(at, amount, unit);
    }

    // A week is seven days: the tree knows only the six units the engine adds exactly.
    private static IntervalLiteral Scaled(Position at, long amount, string unit) =>
        unit != "WEEK" ? new IntervalLiteral(at, amount, unit)
        : Math.Abs(amount) <= long.MaxValue / 7 ? new IntervalLiteral(at, amount * 7, "DAY")
        : throw new SqlSyntaxException("INTERVAL out of range", at);

    private static string? IntervalUnit(string word) => word.ToUpperInvariant() switch
    {
        "YEAR" or "YEARS" => "YEAR",
        "MONTH" or "MONTHS" or "MON" or "MONS" => "MONTH",
        "WEEK" or "WEEKS" => "WEEK",
        "DAY" or "DAYS" => "DAY",
        "HOUR" or "HOURS" => "HOUR",
        "MINUTE" or "MINUTES" or "MIN" or "MINS" => "MINUTE",
        "SECOND" or "SECONDS" or "SEC" or "SECS" => "SECOND",
        _ => null,
    };
}
