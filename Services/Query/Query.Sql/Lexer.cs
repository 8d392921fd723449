using System.Globalization;
using System.Text;

namespace Platform.Query.Sql;

/// <summary>Splits SQL text into tokens, each with the line and column it starts at; the last token is always an End.</summary>
internal sealed class Lexer
{
    private readonly string _sql;
    private int _index;
    private int _line = 1;
    private int _column = 1;

    private Lexer(string sql) => _sql = sql;

    public static IReadOnlyList<Token> Tokenize(string sql)
    {
        var lexer = new Lexer(sql);
        var tokens = new List<Token>();
        var end = new Position(1, 1); // a premature end is reported just after the last token, not after trailing blanks
        while (true)
        {
            lexer.SkipBlanksAndComments();
            if (lexer.AtEnd)
            {
                tokens.Add(new Token(TokenKind.End, "", null, "", end, end));
                return tokens;
            }

            var token = lexer.Read();
            tokens.Add(token);
            end = token.End;
        }
    }

    private bool AtEnd => _index >= _sql.Length;

    private Position Here => new(_line, _column);

    private char Peek(int ahead = 0) => _index + ahead < _sql.Length ? _sql[_index + ahead] : '\0';

    private void Advance()
    {
        if (_sql[_index] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _index++;
    }

    private void SkipBlanksAndComments()
    {
        while (!AtEnd)
        {
            if (char.IsWhiteSpace(Peek()))
            {
                Advance();
            }
            else if (Peek() == '-' && Peek(1) == '-')
            {
                while (!AtEnd && Peek() != '\n')
                {
                    Advance();
                }
            }
            else if (Peek() == '/' && Peek(1) == '*')
            {
                SkipBlockComment();
            }
            else
            {
                return;
            }
        }
    }

    // Block comments nest, as in PostgreSQL.
    private void SkipBlockComment()
    {
        var start = Here;
        var depth = 0;
        do
        {
            if (AtEnd)
            {
                throw new SqlSyntaxException("unterminated /* comment", start);
            }

            if (Peek() == '/' && Peek(1) == '*')
            {
                depth++;
                Advance();
            }
            else if (Peek() == '*' && Peek(1) == '/')
            {
                depth--;
                Advance();
            }

            Advance();
        }
        while (depth > 0);
    }

    private Token Read()
    {
        var c = Peek();
        if (IsNameStart(c))
        {
            return ReadName();
        }

        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1))))
        {
            return ReadNumber();
        }

        return c switch
        {
            '"' => ReadQuoted('"', TokenKind.QuotedName, "unterminated quoted identifier"),
            '\'' => ReadQuoted('\'', TokenKind.Text, "unterminated string"),
            _ => ReadSymbol(),
        };
    }

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';

    private Token ReadName()
    {
        var start = Here;
        var from = _index;
        while (!AtEnd && IsNamePart(Peek()))
        {
            Advance();
        }

        var raw = _sql[from.._index];
        return new Token(TokenKind.Name, raw.ToLowerInvariant(), null, raw, start, Here);
    }

    // A doubled quote inside stands for one quote; strings may span lines.
    private Token ReadQuoted(char quote, TokenKind kind, string unterminated)
    {
        var start = Here;
        var from = _index;
        var text = new StringBuilder();
        Advance();
        while (true)
        {
            if (AtEnd)
            {
                throw new SqlSyntaxException(unterminated, start);
            }

            var c = Peek();
            Advance();
            if (c != quote)
            {
                text.Append(c);
            }
            else if (Peek() == quote)
            {
                text.Append(quote);
                Advance();
            }
            else
            {
                break;
            }
        }

        if (kind == TokenKind.QuotedName && text.Length == 0)
        {
            throw new SqlSyntaxException("zero-length quoted identifier", start);
        }

        return new Token(kind, text.ToString(), null, _sql[from.._index], start, Here);
    }

    private Token ReadNumber()
    {
        var start = Here;
        var from = _index;
        SkipDigits();
        var point = false;
        var exponent = false;
        if (Peek() == '.' && Peek(1) != '.')
        {
            point = true;
            Advance();
            SkipDigits();
        }

        if ((Peek() is 'e' or 'E') && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
        {
            exponent = true;
            Advance();
            Advance();
            SkipDigits();
        }

        if (IsNameStart(Peek()))
        {
            throw new SqlSyntaxException("trailing junk after numeric literal", start);
        }

        var raw = _sql[from.._index];
        var value = exponent ? (object)ParseDouble(raw, start) : point ? (object)ParseDecimal(raw, start) : ParseInteger(raw, start);
        return new Token(TokenKind.Number, raw, value, raw, start, Here);
    }

    private void SkipDigits()
    {
        while (char.IsAsciiDigit(Peek()))
        {
            Advance();
        }
    }

    private static object ParseInteger(string raw, Position at) =>
        long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : (object)ParseDecimal(raw, at); // too big for a long: PostgreSQL reads it as numeric

    private static decimal ParseDecimal(string raw, Position at) =>
        decimal.TryParse(raw, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new SqlSyntaxException($"number \"{raw}\" is out of range", at);

    private static double ParseDouble(string raw, Position at) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw new SqlSyntaxException($"number \"{raw}\" is out of range", at);

    private static readonly string[] TwoCharSymbols = ["<>", "!=", "<=", ">=", "||", "::"];

    private Token ReadSymbol()
    {
        var start = Here;
        var c = Peek();
        var pair = _index + 1 < _sql.Length ? _sql.Substring(_index, 2) : "";
        if (Array.IndexOf(TwoCharSymbols, pair) >= 0)
        {
            Advance();
            Advance();
            return new Token(TokenKind.Symbol, pair == "!=" ? "<>" : pair, null, pair, start, Here);
        }

        if ("+-*/%=<>(),.;".Contains(c, StringComparison.Ordinal))
        {
            Advance();
            var symbol = c.ToString();
            return new Token(TokenKind.Symbol, symbol, null, symbol, start, Here);
        }

        throw new SqlSyntaxException($"unexpected character \"{c}\"", start);
    }
}
