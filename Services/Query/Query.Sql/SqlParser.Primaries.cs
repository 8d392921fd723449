namespace Platform.Query.Sql;

/// <summary>The operands: literals, column references, function calls, CASE, CAST, EXTRACT and parentheses.</summary>
public sealed partial class SqlParser
{
    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new Literal(token.At, token.Value);
            case TokenKind.Text:
                Advance();
                return new Literal(token.At, token.Text);
            case TokenKind.QuotedName:
                return ParseNameExpr();
            case TokenKind.Symbol when token.Text == "(":
                Advance();
                if (Current.Is("SELECT"))
                {
                    throw new SqlSyntaxException("subqueries in expressions are not supported", Current.At);
                }

                var inner = ParseExpr();
                ExpectSymbol(")");
                return inner;
            case TokenKind.Symbol when token.Text == "*":
                throw new SqlSyntaxException("\"*\" is allowed only in a select list or COUNT(*)", token.At);
            case TokenKind.Name:
                return ParseWord(token);
            default:
                throw Unexpected();
        }
    }

    // Keywords that open an expression come first; DATE, TIMESTAMP, INTERVAL and EXTRACT are keywords only where their syntax follows.
    private Expr ParseWord(Token token)
    {
        var next = Peek(1);
        if (token.Is("TRUE") || token.Is("FALSE") || token.Is("NULL"))
        {
            Advance();
            return new Literal(token.At, token.Is("NULL") ? null : token.Is("TRUE"));
        }

        if ((token.Is("DATE") || token.Is("TIMESTAMP")) && next.Kind == TokenKind.Text)
        {
            return ParseTypedLiteral();
        }

        if (token.Is("INTERVAL") && (next.Kind is TokenKind.Text or TokenKind.Number || next.IsSymbol("-") || next.IsSymbol("(")))
        {
            return ParseInterval();
        }

        if (token.Is("CASE"))
        {
            return ParseCase();
        }

        if (token.Is("CAST"))
        {
            Advance();
            ExpectSymbol("(");
            var operand = ParseExpr();
            ExpectKeyword("AS");
            var type = ParseType();
            ExpectSymbol(")");
            return new Cast(token.At, operand, type);
        }

        if (token.Is("EXTRACT") && next.IsSymbol("("))
        {
            return ParseExtract();
        }

        return ParseNameExpr();
    }

    // name, table.name, or name(args)
    private Expr ParseNameExpr()
    {
        var token = Current;
        var name = ParseName();
        if (Current.IsSymbol("("))
        {
            return ParseCall(token.At, name);
        }

        if (!AcceptSymbol("."))
        {
            return new ColumnRef(token.At, null, name);
        }

        if (Current.IsSymbol("*"))
        {
            throw new SqlSyntaxException($"\"{token.Raw}.*\" is allowed only in a select list", token.At);
        }

        return new ColumnRef(token.At, name, ParseName());
    }

    private Call ParseCall(Position at, string name)
    {
        ExpectSymbol("(");
        if (AcceptSymbol(")"))
        {
            return new Call(at, name, []);
        }

        var star = Current;
        if (star.IsSymbol("*") && name == "count")
        {
            Advance();
            ExpectSymbol(")");
            return new Call(at, name, [new Star(star.At, null)]);
        }

        var distinct = AcceptKeyword("DISTINCT");
        if (!distinct)
        {
            AcceptKeyword("ALL");
        }

        var args = ParseList(ParseExpr);
        ExpectSymbol(")");
        return new Call(at, name, args, distinct);
    }

    private Case ParseCase()
    {
        var at = ExpectKeyword("CASE").At;
        var operand = Current.Is("WHEN") ? null : ParseExpr();
        var whens = new List<(Expr When, Expr Then)>();
        while (AcceptKeyword("WHEN"))
        {
            var when = ParseExpr();
            ExpectKeyword("THEN");
            whens.Add((when, ParseExpr()));
        }

        if (whens.Count == 0)
        {
            throw Expected("\"WHEN\"");
        }

        var otherwise = AcceptKeyword("ELSE") ? ParseExpr() : null;
        ExpectKeyword("END");
        return new Case(at, operand, whens, otherwise);
    }

    private static readonly string[] ExtractFields = ["YEAR", "QUARTER", "MONTH", "DAY", "DOW", "HOUR", "MINUTE", "SECOND", "EPOCH"];

    // The field may be a word or, as PostgreSQL also allows, a string.
    private Extract ParseExtract()
    {
        var at = ExpectKeyword("EXTRACT").At;
        ExpectSymbol("(");
        var fieldToken = Current;
        if (fieldToken.Kind is not (TokenKind.Name or TokenKind.Text))
        {
            throw Unexpected();
        }

        var field = fieldToken.Text.ToUpperInvariant();
        if (Array.IndexOf(ExtractFields, field) < 0)
        {
            throw new SqlSyntaxException($"unsupported EXTRACT field \"{fieldToken.Text}\"", fieldToken.At);
        }

        Advance();
        ExpectKeyword("FROM");
        var operand = ParseExpr();
        ExpectSymbol(")");
        return new Extract(at, field, operand);
    }
}
