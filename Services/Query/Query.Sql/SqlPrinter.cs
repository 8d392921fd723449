using System.Globalization;
using System.Text;

namespace Platform.Query.Sql;

/// <summary>
/// Prints a syntax tree back as SQL that DuckDB runs with the meaning PostgreSQL gives it: names always quoted, every
/// operator parenthesized so precedence never matters, NULLS FIRST/LAST always spelled out (the defaults differ).
/// </summary>
public static partial class SqlPrinter
{
    /// <summary>An identifier in double quotes, inner quotes doubled.</summary>
    public static string Name(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }

    public static string Print(Expr e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var sql = new StringBuilder();
        Append(sql, e);
        return sql.ToString();
    }

    private static void Append(StringBuilder sql, Expr e)
    {
        switch (e)
        {
            case Literal literal:
                sql.Append(FormatLiteral(literal.Value));
                break;
            case IntervalLiteral interval:
                // DuckDB reads INTERVAL n UNIT only for a plain number, so a negative one goes in parentheses.
                var amount = interval.Amount.ToString(CultureInfo.InvariantCulture);
                sql.Append("INTERVAL ").Append(interval.Amount < 0 ? $"({amount})" : amount).Append(' ').Append(interval.Unit);
                break;
            case ColumnRef column:
                sql.Append(column.Table is null ? Name(column.Name) : $"{Name(column.Table)}.{Name(column.Name)}");
                break;
            case Star star:
                sql.Append(star.Table is null ? "*" : $"{Name(star.Table)}.*");
                break;
            case Unary unary:
                sql.Append('(').Append(unary.Op).Append(' ');
                Append(sql, unary.Operand);
                sql.Append(')');
                break;
            case Binary binary:
                sql.Append('(');
                Append(sql, binary.Left);
                sql.Append(' ').Append(binary.Op).Append(' ');
                Append(sql, binary.Right);
                sql.Append(')');
                break;
            case Call call:
                AppendCall(sql, call);
                break;
            case Case @case:
                AppendCase(sql, @case);
                break;
            case Cast cast:
                sql.Append("CAST(");
                Append(sql, cast.Operand);
                sql.Append(" AS ").Append(cast.Type).Append(')');
                break;
            case InList inList:
                sql.Append('(');
                Append(sql, inList.Operand);
                sql.Append(inList.Negated ? " NOT IN (" : " IN (");
                AppendList(sql, inList.Items);
                sql.Append("))");
                break;
            case Between between:
                sql.Append('(');
                Append(sql, between.Operand);
                sql.Append(between.Negated ? " NOT BETWEEN " : " BETWEEN ");
                Append(sql, between.Low);
                sql.Append(" AND ");
                Append(sql, between.High);
                sql.Append(')');
                break;
            case Like like:
                sql.Append('(');
                Append(sql, like.Operand);
                sql.Append(like.Negated ? " NOT" : "").Append(like.CaseInsensitive ? " ILIKE " : " LIKE ");
                Append(sql, like.Pattern);
                sql.Append(')');
                break;
            case IsNull isNull:
                sql.Append('(');
                Append(sql, isNull.Operand);
                sql.Append(isNull.Negated ? " IS NOT NULL)" : " IS NULL)");
                break;
            case Extract extract:
                sql.Append("EXTRACT(").Append(extract.Field).Append(" FROM ");
                Append(sql, extract.Operand);
                sql.Append(')');
                break;
            default:
                throw new NotSupportedException($"cannot print a {e.GetType().Name}");
        }
    }

    // A plain lower-case function name is left bare so DuckDB's special forms still apply; any other is quoted.
    private static void AppendCall(StringBuilder sql, Call call)
    {
        var bare = call.Name.Length > 0 && (char.IsAsciiLetterLower(call.Name[0]) || call.Name[0] == '_')
            && call.Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
            && !ReservedWords.Contains(call.Name);
        sql.Append(bare ? call.Name : Name(call.Name)).Append('(');
        if (call.Distinct)
        {
            sql.Append("DISTINCT ");
        }

        AppendList(sql, call.Args);
        sql.Append(')');
    }

    private static void AppendCase(StringBuilder sql, Case @case)
    {
        sql.Append("CASE");
        if (@case.Operand is not null)
        {
            sql.Append(' ');
            Append(sql, @case.Operand);
        }

        foreach (var (when, then) in @case.Whens)
        {
            sql.Append(" WHEN ");
            Append(sql, when);
            sql.Append(" THEN ");
            Append(sql, then);
        }

        if (@case.Else is not null)
        {
            sql.Append(" ELSE ");
            Append(sql, @case.Else);
        }

        sql.Append(" END");
    }

    private static void AppendList(StringBuilder sql, IReadOnlyList<Expr> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sql.Append(", ");
            }

            Append(sql, items[i]);
        }
    }
}
