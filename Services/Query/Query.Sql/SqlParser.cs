namespace Platform.Query.Sql;

/// <summary>
/// Reads one statement of the dialect (a PostgreSQL subset) into a syntax tree, by recursive descent; invalid SQL throws a
/// <see cref="SqlSyntaxException"/> naming the line and column of the offending token.
/// </summary>
public sealed partial class SqlParser
{
    private readonly IReadOnlyList<Token> _tokens;
    private int _next;

    private SqlParser(IReadOnlyList<Token> tokens) => _tokens = tokens;

    /// <summary>One statement, optionally ended by a semicolon; anything after it is an error.</summary>
    public static Statement Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var parser = new SqlParser(Lexer.Tokenize(sql));
        var statement = parser.ParseStatement();
        parser.AcceptSymbol(";");
        parser.ExpectEnd();
        return statement;
    }

    /// <summary>A lone expression (as in a WHERE clause), for callers that build statements around it.</summary>
    public static Expr ParseExpression(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var parser = new SqlParser(Lexer.Tokenize(sql));
        var expr = parser.ParseExpr();
        parser.ExpectEnd();
        return expr;
    }

    private Token Current => _tokens[_next];

    private Token Peek(int ahead) => _tokens[Math.Min(_next + ahead, _tokens.Count - 1)];

    private Token Advance()
    {
        var token = Current;
        if (token.Kind != TokenKind.End)
        {
            _next++;
        }

        return token;
    }

    private bool AcceptKeyword(string word)
    {
        if (!Current.Is(word))
        {
            return false;
        }

        Advance();
        return true;
    }

    private Token ExpectKeyword(string word) => Current.Is(word) ? Advance() : throw Expected($"\"{word}\"");

    private bool AcceptSymbol(string symbol)
    {
        if (!Current.IsSymbol(symbol))
        {
            return false;
        }

        Advance();
        return true;
    }

    private Token ExpectSymbol(string symbol) => Current.IsSymbol(symbol) ? Advance() : throw Expected($"\"{symbol}\"");

    private void ExpectEnd()
    {
        if (Current.Kind != TokenKind.End)
        {
            throw Unexpected();
        }
    }

    /// <summary>A column, table or alias name: quoted, or unquoted and not a reserved word.</summary>
    private string ParseName() => Current.IsIdentifier ? Advance().Text : throw Unexpected();

    private List<T> ParseList<T>(Func<T> item)
    {
        var items = new List<T> { item() };
        while (AcceptSymbol(","))
        {
            items.Add(item());
        }

        return items;
    }

    private SqlSyntaxException Unexpected() =>
        Current.Kind == TokenKind.End
            ? new SqlSyntaxException("unexpected end of input", Current.At)
            : new SqlSyntaxException($"syntax error at or near \"{Current.Raw}\"", Current.At);

    private SqlSyntaxException Expected(string what) =>
        Current.Kind == TokenKind.End
            ? new SqlSyntaxException("unexpected end of input", Current.At)
            : new SqlSyntaxException($"expected {what}", Current.At);
}
