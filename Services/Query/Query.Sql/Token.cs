namespace Platform.Query.Sql;

/// <summary>What a token is: a name (unquoted or quoted), a number, a string, an operator or punctuation, or the end.</summary>
internal enum TokenKind
{
    Name,
    QuotedName,
    Number,
    Text,
    Symbol,
    End,
}

/// <summary>
/// One token: <paramref name="Text"/> is its meaning (a lower-cased name, a string's content, an operator), <paramref name="Raw"/>
/// what was written (for error messages), <paramref name="Value"/> a number's long, decimal or double.
/// </summary>
internal sealed record Token(TokenKind Kind, string Text, object? Value, string Raw, Position At, Position End)
{
    /// <summary>Whether this is the unquoted keyword <paramref name="word"/>; a quoted name is never a keyword.</summary>
    public bool Is(string word) => Kind == TokenKind.Name && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    /// <summary>A name that can stand where a column, table or alias does: quoted, or unquoted and not reserved.</summary>
    public bool IsIdentifier => Kind == TokenKind.QuotedName || (Kind == TokenKind.Name && !ReservedWords.Contains(Text));
}
