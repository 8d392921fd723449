using System.Globalization;

namespace Platform.Query.Sql;

/// <summary>CREATE TABLE with its columns and its optional PARTITION BY HASH or RANGE clause.</summary>
public sealed partial class SqlParser
{
    private CreateTable ParseCreateTable()
    {
        var at = ExpectKeyword("CREATE").At;
        ExpectKeyword("TABLE");
        var ifNotExists = AcceptKeyword("IF");
        if (ifNotExists)
        {
            ExpectKeyword("NOT");
            ExpectKeyword("EXISTS");
        }

        var name = ParseName();
        ExpectSymbol("(");
        var columns = new List<ColumnDefinition>();
        do
        {
            var token = Current;
            var column = ParseColumnDefinition();
            if (columns.Exists(c => c.Name == column.Name))
            {
                throw new SqlSyntaxException($"column \"{column.Name}\" specified more than once", token.At);
            }

            columns.Add(column);
        }
        while (AcceptSymbol(","));

        ExpectSymbol(")");
        var partitioning = AcceptKeyword("PARTITION") ? ParsePartitioning(columns) : null;
        return new CreateTable(at, name, columns, partitioning, ifNotExists);
    }

    private ColumnDefinition ParseColumnDefinition()
    {
        var name = ParseName();
        var type = ParseType();
        var notNull = false;
        while (true)
        {
            if (AcceptKeyword("NOT"))
            {
                ExpectKeyword("NULL");
                notNull = true;
            }
            else if (AcceptKeyword("NULL"))
            {
                notNull = false;
            }
            else
            {
                return new ColumnDefinition(name, type, notNull);
            }
        }
    }

    private Partitioning ParsePartitioning(List<ColumnDefinition> columns)
    {
        ExpectKeyword("BY");
        var method = Current.Is("HASH") || Current.Is("RANGE") ? Advance().Text.ToUpperInvariant() : throw Expected("\"HASH\" or \"RANGE\"");
        ExpectSymbol("(");
        var columnToken = Current;
        var column = ParseName();
        if (!columns.Exists(c => c.Name == column))
        {
            throw new SqlSyntaxException($"partition column \"{column}\" is not a column of the table", columnToken.At);
        }

        ExpectSymbol(")");
        if (method == "HASH")
        {
            int? partitions = AcceptKeyword("PARTITIONS") ? ParsePositiveInt("PARTITIONS") : null;
            return new Partitioning(method, column, partitions, []);
        }

        List<Literal> bounds = [];
        if (AcceptKeyword("VALUES"))
        {
            ExpectSymbol("(");
            bounds = ParseList(ParseBound);
            ExpectSymbol(")");
            CheckAscending(bounds);
        }

        return new Partitioning(method, column, null, bounds);
    }

    private Literal ParseBound()
    {
        var at = Current.At;
        return ParseUnary() is Literal { Value: not null } literal
            ? literal
            : throw new SqlSyntaxException("partition bound must be a constant", at);
    }

    // Partition i holds b(i-1) <= col < b(i): the bounds must rise, or some partition could hold nothing at all.
    private static void CheckAscending(List<Literal> bounds)
    {
        for (var i = 1; i < bounds.Count; i++)
        {
            if (Compare(bounds[i - 1].Value!, bounds[i].Value!) >= 0)
            {
                throw new SqlSyntaxException("partition bounds must be in ascending order", bounds[i].At);
            }
        }
    }

    // Numbers compare across long, decimal and double, strings byte-wise as the engine does; other mixes are left to the engine.
    private static int? Compare(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y),
        (long or decimal or double, long or decimal or double) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        _ when a.GetType() == b.GetType() && a is IComparable comparable => comparable.CompareTo(b),
        _ => null,
    };

    private int ParsePositiveInt(string what)
    {
        var token = Current;
        if (token.Value is long n && n is > 0 and <= int.MaxValue)
        {
            Advance();
            return (int)n;
        }

        throw token.Kind == TokenKind.End ? Unexpected() : new SqlSyntaxException($"{what} must be a positive integer", token.At);
    }
}
