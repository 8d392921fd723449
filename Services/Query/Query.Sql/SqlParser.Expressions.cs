namespace Platform.Query.Sql;

/// <summary>
/// The operator ladder, loosest first as in PostgreSQL: OR, AND, NOT, comparisons and the IS/IN/BETWEEN/LIKE predicates,
/// ||, + -, * / %, unary - +, then the ::type cast on a primary.
/// </summary>
public sealed partial class SqlParser
{
    private Expr ParseExpr() => ParseOr();

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.Is("OR"))
        {
            var at = Advance().At;
            left = new Binary(at, "OR", left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.Is("AND"))
        {
            var at = Advance().At;
            left = new Binary(at, "AND", left, ParseNot());
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (!Current.Is("NOT"))
        {
            return ParseComparison();
        }

        var at = Advance().At;
        return new Unary(at, "NOT", ParseNot());
    }

    private static readonly string[] Comparisons = ["=", "<>", "<", "<=", ">", ">="];

    private Expr ParseComparison()
    {
        var left = ParseConcat();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Symbol && Array.IndexOf(Comparisons, token.Text) >= 0)
            {
                Advance();
                left = new Binary(token.At, token.Text, left, ParseConcat());
            }
            else if (AcceptKeyword("IS"))
            {
                var negated = AcceptKeyword("NOT");
                ExpectKeyword("NULL");
                left = new IsNull(token.At, left, negated);
            }
            else if (ParsePredicate(left) is { } predicate)
            {
                left = predicate;
            }
            else
            {
                return left;
            }
        }
    }

    // [NOT] IN / BETWEEN / LIKE / ILIKE; null (nothing consumed) when none follows.
    private Expr? ParsePredicate(Expr left)
    {
        var at = Current.At;
        var negated = Current.Is("NOT");
        var word = Peek(negated ? 1 : 0);
        if (!(word.Is("IN") || word.Is("BETWEEN") || word.Is("LIKE") || word.Is("ILIKE")))
        {
            return null;
        }

        if (negated)
        {
            Advance();
        }

        Advance();
        if (word.Is("IN"))
        {
            ExpectSymbol("(");
            if (Current.Is("SELECT"))
            {
                throw new SqlSyntaxException("subqueries in expressions are not supported", Current.At);
            }

            var items = ParseList(ParseExpr);
            ExpectSymbol(")");
            return new InList(at, left, items, negated);
        }

        if (word.Is("BETWEEN"))
        {
            var low = ParseConcat(); // above AND, so the AND that follows is BETWEEN's
            ExpectKeyword("AND");
            return new Between(at, left, low, ParseConcat(), negated);
        }

        return new Like(at, left, ParseConcat(), negated, word.Is("ILIKE"));
    }

    private Expr ParseConcat()
    {
        var left = ParseAdditive();
        while (Current.IsSymbol("||"))
        {
            var at = Advance().At;
            left = new Binary(at, "||", left, ParseAdditive());
        }

        return left;
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.IsSymbol("+") || Current.IsSymbol("-"))
        {
            var op = Advance();
            left = new Binary(op.At, op.Text, left, ParseMultiplicative());
        }

        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.IsSymbol("*") || Current.IsSymbol("/") || Current.IsSymbol("%"))
        {
            var op = Advance();
            left = new Binary(op.At, op.Text, left, ParseUnary());
        }

        return left;
    }

    // A minus before a number literal folds into a negative literal, as PostgreSQL does, so constants stay constants.
    private Expr ParseUnary()
    {
        if (!Current.IsSymbol("-") && !Current.IsSymbol("+"))
        {
            return ParseCast();
        }

        var op = Advance();
        var operand = ParseUnary();
        if (op.Text == "-" && operand is Literal literal)
        {
            switch (literal.Value)
            {
                case long l when l != long.MinValue:
                    return new Literal(op.At, -l);
                case decimal d:
                    return new Literal(op.At, d == 9223372036854775808m && d.Scale == 0 ? (object)long.MinValue : -d);
                case double f:
                    return new Literal(op.At, -f);
            }
        }

        return new Unary(op.At, op.Text, operand);
    }

    private Expr ParseCast()
    {
        var expr = ParsePrimary();
        while (Current.IsSymbol("::"))
        {
            var at = Advance().At;
            expr = new Cast(at, expr, ParseType());
        }

        return expr;
    }
}
