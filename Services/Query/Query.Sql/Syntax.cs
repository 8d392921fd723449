// The tree's type names are SQL's own words (SELECT, CASE, LIKE, INTEGER, ...): renaming them for other CLR languages would hide that.
#pragma warning disable CA1716, CA1720

namespace Platform.Query.Sql;

/// <summary>Where a piece of SQL text starts: 1-based line and column.</summary>
public readonly record struct Position(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}

/// <summary>A column type of the dialect (the engine's names): BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP.</summary>
public sealed record SqlType(string Name, int Precision = 0, int Scale = 0)
{
    public static readonly SqlType Boolean = new("BOOLEAN");
    public static readonly SqlType Integer = new("INTEGER");
    public static readonly SqlType BigInt = new("BIGINT");
    public static readonly SqlType Double = new("DOUBLE");
    public static readonly SqlType Varchar = new("VARCHAR");
    public static readonly SqlType Date = new("DATE");
    public static readonly SqlType Timestamp = new("TIMESTAMP");

    public static SqlType Decimal(int precision, int scale) => new("DECIMAL", precision, scale);

    public override string ToString() => Name == "DECIMAL" ? $"DECIMAL({Precision},{Scale})" : Name;
}

// ---- expressions -------------------------------------------------------------------------------------------------

public abstract record Expr(Position At);

/// <summary>A constant: null, bool, long, decimal (a number with a point), double (with an exponent), string, DateOnly (DATE '...'), DateTime (TIMESTAMP '...').</summary>
public sealed record Literal(Position At, object? Value) : Expr(At);

/// <summary>An INTERVAL 'n' unit literal (unit: YEAR, MONTH, DAY, HOUR, MINUTE, SECOND).</summary>
public sealed record IntervalLiteral(Position At, long Amount, string Unit) : Expr(At);

/// <summary>A column, maybe qualified by a table name or alias. Unquoted names are lower-cased by the lexer.</summary>
public sealed record ColumnRef(Position At, string? Table, string Name) : Expr(At);

/// <summary><c>*</c> or <c>t.*</c> in a select list, or the argument of COUNT(*).</summary>
public sealed record Star(Position At, string? Table) : Expr(At);

/// <summary>Unary operators: "-", "+", "NOT".</summary>
public sealed record Unary(Position At, string Op, Expr Operand) : Expr(At);

/// <summary>Binary operators: "+", "-", "*", "/", "%", "||", "=", "&lt;&gt;", "&lt;", "&lt;=", "&gt;", "&gt;=", "AND", "OR" ("!=" is read as "&lt;&gt;").</summary>
public sealed record Binary(Position At, string Op, Expr Left, Expr Right) : Expr(At);

/// <summary>A function or aggregate call; the name is lower-cased. COUNT(*) has a single <see cref="Star"/> argument.</summary>
public sealed record Call(Position At, string Name, IReadOnlyList<Expr> Args, bool Distinct = false) : Expr(At);

/// <summary>CASE [operand] WHEN .. THEN .. [ELSE ..] END.</summary>
public sealed record Case(Position At, Expr? Operand, IReadOnlyList<(Expr When, Expr Then)> Whens, Expr? Else) : Expr(At);

/// <summary>CAST(x AS type) or x::type.</summary>
public sealed record Cast(Position At, Expr Operand, SqlType Type) : Expr(At);

/// <summary>x [NOT] IN (a, b, ...).</summary>
public sealed record InList(Position At, Expr Operand, IReadOnlyList<Expr> Items, bool Negated) : Expr(At);

/// <summary>x [NOT] BETWEEN low AND high.</summary>
public sealed record Between(Position At, Expr Operand, Expr Low, Expr High, bool Negated) : Expr(At);

/// <summary>x [NOT] LIKE / ILIKE pattern.</summary>
public sealed record Like(Position At, Expr Operand, Expr Pattern, bool Negated, bool CaseInsensitive) : Expr(At);

/// <summary>x IS [NOT] NULL.</summary>
public sealed record IsNull(Position At, Expr Operand, bool Negated) : Expr(At);

/// <summary>EXTRACT(field FROM x); field upper-cased: YEAR, QUARTER, MONTH, DAY, DOW, HOUR, MINUTE, SECOND, EPOCH.</summary>
public sealed record Extract(Position At, string Field, Expr Operand) : Expr(At);

// ---- relations ---------------------------------------------------------------------------------------------------

public abstract record Relation(Position At);

/// <summary>A table of the tenant's catalog, maybe with an alias.</summary>
public sealed record TableRef(Position At, string Name, string? Alias) : Relation(At)
{
    /// <summary>The name columns are qualified with: the alias, else the table's name.</summary>
    public string Label => Alias ?? Name;
}

/// <summary>A subquery in FROM; the alias is required (as in PostgreSQL).</summary>
public sealed record SubqueryRef(Position At, Select Query, string Alias) : Relation(At);

/// <summary>Join kinds: "INNER", "LEFT", "CROSS" (a comma in FROM is a CROSS join; its condition is null).</summary>
public sealed record Join(Position At, string Kind, Relation Left, Relation Right, Expr? On) : Relation(At);

// ---- statements --------------------------------------------------------------------------------------------------

public abstract record Statement(Position At);

public sealed record SelectItem(Expr Expr, string? Alias);

public sealed record OrderItem(Expr Expr, bool Descending, bool? NullsFirst);

public sealed record Select(
    Position At,
    bool Distinct,
    IReadOnlyList<SelectItem> Items,
    Relation? From,
    Expr? Where,
    IReadOnlyList<Expr> GroupBy,
    Expr? Having,
    IReadOnlyList<OrderItem> OrderBy,
    Expr? Limit,
    Expr? Offset) : Statement(At);

/// <summary>EXPLAIN [ANALYZE] select.</summary>
public sealed record Explain(Position At, bool Analyze, Select Query) : Statement(At);

public sealed record ColumnDefinition(string Name, SqlType Type, bool NotNull);

/// <summary>
/// PARTITION BY HASH (col) [PARTITIONS n] or PARTITION BY RANGE (col) [VALUES (b1, b2, ...)]: a range table's
/// partition i holds b(i-1) &lt;= col &lt; b(i), so n bounds make n+1 partitions.
/// </summary>
public sealed record Partitioning(string Method, string Column, int? Partitions, IReadOnlyList<Literal> Bounds);

public sealed record CreateTable(Position At, string Name, IReadOnlyList<ColumnDefinition> Columns, Partitioning? PartitionBy, bool IfNotExists) : Statement(At);

public sealed record DropTable(Position At, string Name, bool IfExists) : Statement(At);

/// <summary>INSERT INTO t [(cols)] VALUES (..), (..); each value a constant expression.</summary>
public sealed record Insert(Position At, string Table, IReadOnlyList<string>? Columns, IReadOnlyList<IReadOnlyList<Expr>> Rows) : Statement(At);

/// <summary>Invalid SQL: the message and where in the text it went wrong.</summary>
public sealed class SqlSyntaxException(string message, Position at) : Exception($"{message} at {at}")
{
    public string Reason { get; } = message;

    public Position At { get; } = at;
}
