namespace Platform.Query.Sql;

/// <summary>The FROM clause: tables, subqueries and joins, left-deep (a comma is a CROSS join at the same level as JOIN).</summary>
public sealed partial class SqlParser
{
    private Relation ParseFrom()
    {
        var left = ParseFromItem();
        while (true)
        {
            var token = Current;
            if (AcceptSymbol(","))
            {
                left = new Join(token.At, "CROSS", left, ParseFromItem(), null);
            }
            else if (AcceptKeyword("CROSS"))
            {
                ExpectKeyword("JOIN");
                left = new Join(token.At, "CROSS", left, ParseFromItem(), null);
            }
            else if (token.Is("JOIN") || token.Is("INNER"))
            {
                AcceptKeyword("INNER");
                left = ParseQualifiedJoin(token, "INNER", left);
            }
            else if (AcceptKeyword("LEFT"))
            {
                AcceptKeyword("OUTER");
                left = ParseQualifiedJoin(token, "LEFT", left);
            }
            else if (token.Is("RIGHT") || token.Is("FULL") || token.Is("NATURAL"))
            {
                throw new SqlSyntaxException($"{token.Text.ToUpperInvariant()} JOIN is not supported", token.At);
            }
            else
            {
                return left;
            }
        }
    }

    private Join ParseQualifiedJoin(Token at, string kind, Relation left)
    {
        ExpectKeyword("JOIN");
        var right = ParseFromItem();
        ExpectKeyword("ON");
        return new Join(at.At, kind, left, right, ParseExpr());
    }

    // '(' opens either a subquery, which must have an alias as in PostgreSQL, or a parenthesized join.
    private Relation ParseFromItem()
    {
        var token = Current;
        if (AcceptSymbol("("))
        {
            if (!Current.Is("SELECT"))
            {
                var inner = ParseFrom();
                ExpectSymbol(")");
                return inner;
            }

            var query = ParseSelect();
            ExpectSymbol(")");
            return ParseAlias(anyWordAfterAs: false) is { } alias
                ? new SubqueryRef(token.At, query, alias)
                : throw new SqlSyntaxException("subquery in FROM must have an alias", token.At);
        }

        var name = ParseName();
        return new TableRef(token.At, name, ParseAlias(anyWordAfterAs: false));
    }
}
