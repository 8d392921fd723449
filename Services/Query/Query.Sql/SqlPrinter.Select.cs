using System.Text;

namespace Platform.Query.Sql;

/// <summary>SELECT statements and their FROM trees.</summary>
public static partial class SqlPrinter
{
    /// <summary>
    /// A SELECT. <paramref name="table"/> gives the text for each table reference, alias included (the default writes
    /// <c>"name" AS "alias"</c>); keep the reference's <see cref="TableRef.Label"/> as the alias so qualified columns still resolve.
    /// </summary>
    public static string Print(Select s, Func<TableRef, string>? table = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        var sql = new StringBuilder();
        AppendSelect(sql, s, table ?? DefaultTable);
        return sql.ToString();
    }

    private static string DefaultTable(TableRef t) => t.Alias is null ? Name(t.Name) : $"{Name(t.Name)} AS {Name(t.Alias)}";

    private static void AppendSelect(StringBuilder sql, Select s, Func<TableRef, string> table)
    {
        sql.Append(s.Distinct ? "SELECT DISTINCT " : "SELECT ");
        for (var i = 0; i < s.Items.Count; i++)
        {
            sql.Append(i > 0 ? ", " : "");
            Append(sql, s.Items[i].Expr);
            if (s.Items[i].Alias is { } alias)
            {
                sql.Append(" AS ").Append(Name(alias));
            }
        }

        if (s.From is not null)
        {
            sql.Append(" FROM ");
            AppendRelation(sql, s.From, table);
        }

        AppendClause(sql, " WHERE ", s.Where);
        if (s.GroupBy.Count > 0)
        {
            sql.Append(" GROUP BY ");
            AppendList(sql, s.GroupBy);
        }

        AppendClause(sql, " HAVING ", s.Having);
        for (var i = 0; i < s.OrderBy.Count; i++)
        {
            var item = s.OrderBy[i];
            sql.Append(i > 0 ? ", " : " ORDER BY ");
            Append(sql, item.Expr);
            // PostgreSQL sorts nulls as the largest value, DuckDB puts them last either way: always say which.
            var nullsFirst = item.NullsFirst ?? item.Descending;
            sql.Append(item.Descending ? " DESC" : " ASC").Append(nullsFirst ? " NULLS FIRST" : " NULLS LAST");
        }

        AppendClause(sql, " LIMIT ", s.Limit);
        AppendClause(sql, " OFFSET ", s.Offset);
    }

    private static void AppendClause(StringBuilder sql, string keyword, Expr? e)
    {
        if (e is not null)
        {
            sql.Append(keyword);
            Append(sql, e);
        }
    }

    private static void AppendRelation(StringBuilder sql, Relation relation, Func<TableRef, string> table)
    {
        switch (relation)
        {
            case TableRef t:
                sql.Append(table(t));
                break;
            case SubqueryRef sub:
                sql.Append('(');
                AppendSelect(sql, sub.Query, table);
                sql.Append(") AS ").Append(Name(sub.Alias));
                break;
            case Join join:
                sql.Append('(');
                AppendRelation(sql, join.Left, table);
                sql.Append(' ').Append(join.Kind).Append(" JOIN ");
                AppendRelation(sql, join.Right, table);
                AppendClause(sql, " ON ", join.On);
                sql.Append(')');
                break;
            default:
                throw new NotSupportedException($"cannot print a {relation.GetType().Name}");
        }
    }
}
