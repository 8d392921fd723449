namespace Platform.Query.Sql;

/// <summary>The statements: SELECT, EXPLAIN, CREATE TABLE, DROP TABLE, INSERT.</summary>
public sealed partial class SqlParser
{
    private Statement ParseStatement()
    {
        var token = Current;
        if (token.Is("SELECT"))
        {
            return ParseSelect();
        }

        if (token.Is("EXPLAIN"))
        {
            Advance();
            var analyze = AcceptKeyword("ANALYZE");
            return new Explain(token.At, analyze, ParseSelect());
        }

        if (token.Is("CREATE"))
        {
            return ParseCreateTable();
        }

        if (token.Is("DROP"))
        {
            Advance();
            ExpectKeyword("TABLE");
            var ifExists = AcceptKeyword("IF");
            if (ifExists)
            {
                ExpectKeyword("EXISTS");
            }

            return new DropTable(token.At, ParseName(), ifExists);
        }

        if (token.Is("INSERT"))
        {
            return ParseInsert();
        }

        throw Unexpected();
    }

    private Select ParseSelect()
    {
        var at = ExpectKeyword("SELECT").At;
        var distinct = AcceptKeyword("DISTINCT");
        if (!distinct)
        {
            AcceptKeyword("ALL");
        }

        var items = ParseList(ParseSelectItem);
        var from = AcceptKeyword("FROM") ? ParseFrom() : null;
        var where = AcceptKeyword("WHERE") ? ParseExpr() : null;
        IReadOnlyList<Expr> groupBy = [];
        if (AcceptKeyword("GROUP"))
        {
            ExpectKeyword("BY");
            groupBy = ParseList(ParseExpr);
        }

        var having = AcceptKeyword("HAVING") ? ParseExpr() : null;
        IReadOnlyList<OrderItem> orderBy = [];
        if (AcceptKeyword("ORDER"))
        {
            ExpectKeyword("BY");
            orderBy = ParseList(ParseOrderItem);
        }

        var (limit, offset) = ParseLimitAndOffset();
        return new Select(at, distinct, items, from, where, groupBy, having, orderBy, limit, offset);
    }

    // '*' and 't.*' stand only here (and in COUNT(*)), and take no alias, as in PostgreSQL.
    private SelectItem ParseSelectItem()
    {
        var token = Current;
        if (token.IsSymbol("*"))
        {
            Advance();
            return new SelectItem(new Star(token.At, null), null);
        }

        if (token.IsIdentifier && Peek(1).IsSymbol(".") && Peek(2).IsSymbol("*"))
        {
            Advance();
            Advance();
            Advance();
            return new SelectItem(new Star(token.At, token.Text), null);
        }

        var expr = ParseExpr();
        return new SelectItem(expr, ParseAlias(anyWordAfterAs: true));
    }

    /// <summary>[AS] alias: after AS a select item's alias may be any word; without AS it must not be reserved.</summary>
    private string? ParseAlias(bool anyWordAfterAs)
    {
        if (AcceptKeyword("AS"))
        {
            return anyWordAfterAs && Current.Kind == TokenKind.Name ? Advance().Text : ParseName();
        }

        return Current.IsIdentifier ? Advance().Text : null;
    }

    private OrderItem ParseOrderItem()
    {
        var expr = ParseExpr();
        var descending = AcceptKeyword("DESC");
        if (!descending)
        {
            AcceptKeyword("ASC");
        }

        bool? nullsFirst = null;
        if (AcceptKeyword("NULLS"))
        {
            nullsFirst = AcceptKeyword("FIRST") ? true : AcceptKeyword("LAST") ? false : throw Expected("\"FIRST\" or \"LAST\"");
        }

        return new OrderItem(expr, descending, nullsFirst);
    }

    // PostgreSQL takes LIMIT and OFFSET in either order.
    private (Expr? Limit, Expr? Offset) ParseLimitAndOffset()
    {
        Expr? limit = null;
        Expr? offset = null;
        var limitSeen = false;
        var offsetSeen = false;
        while (true)
        {
            if (!limitSeen && AcceptKeyword("LIMIT"))
            {
                limitSeen = true;
                limit = AcceptKeyword("ALL") ? null : ParseExpr();
            }
            else if (!offsetSeen && AcceptKeyword("OFFSET"))
            {
                offsetSeen = true;
                offset = ParseExpr();
                if (!AcceptKeyword("ROWS"))
                {
                    AcceptKeyword("ROW");
                }
            }
            else
            {
                return (limit, offset);
            }
        }
    }

    private Insert ParseInsert()
    {
        var at = ExpectKeyword("INSERT").At;
        ExpectKeyword("INTO");
        var table = ParseName();
        List<string>? columns = null;
        if (AcceptSymbol("("))
        {
            columns = ParseList(ParseName);
            ExpectSymbol(")");
        }

        ExpectKeyword("VALUES");
        var width = columns?.Count;
        var rows = ParseList(() =>
        {
            var row = ParseValuesRow(width, columns is not null);
            width ??= row.Count;
            return row;
        });
        return new Insert(at, table, columns, rows);
    }

    // Every row has the width of the column list, or without one, of the first row.
    private List<Expr> ParseValuesRow(int? width, bool againstColumns)
    {
        var open = ExpectSymbol("(");
        var values = ParseList(ParseExpr);
        ExpectSymbol(")");
        if (width is { } expected && values.Count != expected)
        {
            var reason = !againstColumns ? "VALUES lists must all be the same length"
                : values.Count > expected ? "INSERT has more expressions than target columns"
                : "INSERT has more target columns than expressions";
            throw new SqlSyntaxException(reason, open.At);
        }

        return values;
    }
}
