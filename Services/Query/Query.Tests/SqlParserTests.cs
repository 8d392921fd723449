using Platform.Query.Sql;

namespace Platform.Query.Tests;

/// <summary>The dialect's parser and printer: precedence, every statement, errors with their line and column, and round trips.</summary>
[Trait("Category", "query")]
public sealed class SqlParserTests
{
    private static Select ParseSelect(string sql) => Assert.IsType<Select>(SqlParser.Parse(sql));

    private static Expr Expr(string sql) => SqlParser.ParseExpression(sql);

    private static SqlSyntaxException Error(string sql) => Assert.Throws<SqlSyntaxException>(() => SqlParser.Parse(sql));

    // The records compare lists by reference, so trees are compared through their printed form.
    private static string Printed(string sql) => SqlPrinter.Print(ParseSelect(sql));

    private static void AssertColumn(Expr e, string name, string? table = null)
    {
        var column = Assert.IsType<ColumnRef>(e);
        Assert.Equal(name, column.Name);
        Assert.Equal(table, column.Table);
    }

    private static Binary AssertBinary(Expr e, string op)
    {
        var binary = Assert.IsType<Binary>(e);
        Assert.Equal(op, binary.Op);
        return binary;
    }

    // ---- precedence ----------------------------------------------------------------------------------------------

    [Fact]
    public void Multiplication_binds_tighter_than_addition()
    {
        var sum = AssertBinary(Expr("a + b * c"), "+");
        AssertColumn(sum.Left, "a");
        var product = AssertBinary(sum.Right, "*");
        AssertColumn(product.Left, "b");
        AssertColumn(product.Right, "c");
    }

    [Fact]
    public void Same_level_operators_associate_to_the_left()
    {
        var outer = AssertBinary(Expr("a - b - c"), "-");
        AssertBinary(outer.Left, "-");
        AssertColumn(outer.Right, "c");
        var division = AssertBinary(Expr("a / b % c"), "%");
        AssertBinary(division.Left, "/");
    }

    [Fact]
    public void NOT_binds_looser_than_comparison_and_tighter_than_AND()
    {
        var and = AssertBinary(Expr("NOT a = b AND c"), "AND");
        var not = Assert.IsType<Unary>(and.Left);
        Assert.Equal("NOT", not.Op);
        AssertBinary(not.Operand, "=");
        AssertColumn(and.Right, "c");
    }

    [Fact]
    public void OR_binds_looser_than_AND()
    {
        var or = AssertBinary(Expr("a OR b AND c"), "OR");
        AssertColumn(or.Left, "a");
        AssertBinary(or.Right, "AND");
    }

    [Fact]
    public void Concatenation_sits_between_comparison_and_addition()
    {
        var equals = AssertBinary(Expr("a || b = c + d || e"), "=");
        AssertBinary(equals.Left, "||");
        var right = AssertBinary(equals.Right, "||");
        AssertBinary(right.Left, "+");
    }

    [Fact]
    public void Unary_minus_binds_tighter_than_multiplication_and_looser_than_a_cast()
    {
        var product = AssertBinary(Expr("-a * b"), "*");
        Assert.Equal("-", Assert.IsType<Unary>(product.Left).Op);
        var negated = Assert.IsType<Unary>(Expr("-a::int"));
        Assert.Equal(SqlType.Integer, Assert.IsType<Cast>(negated.Operand).Type);
    }

    [Fact]
    public void A_minus_before_a_number_makes_a_negative_literal()
    {
        Assert.Equal(-5L, Assert.IsType<Literal>(Expr("-5")).Value);
        Assert.Equal(-2.50m, Assert.IsType<Literal>(Expr("- 2.50")).Value);
        Assert.Equal(long.MinValue, Assert.IsType<Literal>(Expr("-9223372036854775808")).Value);
        var difference = AssertBinary(Expr("a - -1"), "-");
        Assert.Equal(-1L, Assert.IsType<Literal>(difference.Right).Value);
    }

    [Fact]
    public void Predicates_bind_looser_than_arithmetic_and_tighter_than_AND()
    {
        var and = AssertBinary(Expr("a + 1 BETWEEN b AND c * 2 AND d IS NOT NULL"), "AND");
        var between = Assert.IsType<Between>(and.Left);
        AssertBinary(between.Operand, "+");
        AssertColumn(between.Low, "b");
        AssertBinary(between.High, "*");
        Assert.False(between.Negated);
        var isNull = Assert.IsType<IsNull>(and.Right);
        Assert.True(isNull.Negated);
    }

    [Fact]
    public void Negated_predicates_are_parsed()
    {
        var notIn = Assert.IsType<InList>(Expr("x NOT IN (1, 2, 3)"));
        Assert.True(notIn.Negated);
        Assert.Equal(3, notIn.Items.Count);
        Assert.True(Assert.IsType<Between>(Expr("x NOT BETWEEN 1 AND 2")).Negated);
        var notLike = Assert.IsType<Like>(Expr("name NOT LIKE 'a%'"));
        Assert.True(notLike.Negated);
        Assert.False(notLike.CaseInsensitive);
        var iLike = Assert.IsType<Like>(Expr("name ILIKE '%b'"));
        Assert.False(iLike.Negated);
        Assert.True(iLike.CaseInsensitive);
        Assert.False(Assert.IsType<IsNull>(Expr("x IS NULL")).Negated);
    }

    [Fact]
    public void Not_equal_has_two_spellings()
    {
        Assert.Equal("<>", AssertBinary(Expr("a != b"), "<>").Op);
        Assert.Equal("<>", AssertBinary(Expr("a <> b"), "<>").Op);
    }

    // ---- literals, names, types ----------------------------------------------------------------------------------

    public static TheoryData<string, object?> Literals => new()
    {
        { "42", 42L },
        { "9223372036854775807", long.MaxValue },
        { "12.50", 12.50m },
        { ".5", 0.5m },
        { "1.5e3", 1500.0 },
        { "2E-2", 0.02 },
        { "'it''s'", "it's" },
        { "''", "" },
        { "TRUE", true },
        { "false", false },
        { "NULL", null },
        { "DATE '1998-12-01'", new DateOnly(1998, 12, 1) },
        { "TIMESTAMP '2024-02-29 13:45:10'", new DateTime(2024, 2, 29, 13, 45, 10) },
        { "timestamp '2024-02-29 13:45:10.25'", new DateTime(2024, 2, 29, 13, 45, 10, 250) },
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void Literals_have_their_types(string sql, object? value)
    {
        var literal = Assert.IsType<Literal>(Expr(sql));
        Assert.Equal(value, literal.Value);
        Assert.Equal(value?.GetType(), literal.Value?.GetType());
    }

    [Theory]
    [InlineData("INTERVAL '3' MONTH", 3, "MONTH")]
    [InlineData("INTERVAL '90 days'", 90, "DAY")]
    [InlineData("INTERVAL '3 month'", 3, "MONTH")]
    [InlineData("interval '1' year", 1, "YEAR")]
    [InlineData("INTERVAL '1 year'", 1, "YEAR")]
    [InlineData("INTERVAL '2 weeks'", 14, "DAY")]
    [InlineData("INTERVAL '-3' DAY", -3, "DAY")]
    [InlineData("INTERVAL 3 MONTH", 3, "MONTH")]
    [InlineData("INTERVAL (-3) HOUR", -3, "HOUR")]
    public void Intervals_have_an_amount_and_a_singular_unit(string sql, long amount, string unit)
    {
        var interval = Assert.IsType<IntervalLiteral>(Expr(sql));
        Assert.Equal(amount, interval.Amount);
        Assert.Equal(unit, interval.Unit);
    }

    [Fact]
    public void Date_timestamp_and_interval_are_column_names_where_no_literal_follows()
    {
        var sum = AssertBinary(Expr("date + interval"), "+");
        AssertColumn(sum.Left, "date");
        AssertColumn(sum.Right, "interval");
    }

    [Fact]
    public void Unquoted_names_are_lower_cased_and_quoted_names_kept()
    {
        AssertColumn(Expr("LineItem.L_Quantity"), "l_quantity", "lineitem");
        AssertColumn(Expr("\"LineItem\".\"Say \"\"hi\"\"\""), "Say \"hi\"", "LineItem");
        AssertColumn(Expr("\"select\""), "select");
        AssertColumn(Expr("_x$1"), "_x$1");
    }

    [Fact]
    public void Keywords_match_in_any_case()
    {
        var select = ParseSelect("sElEcT DiStInCt a FrOm t wHeRe a iS nOt NuLl");
        Assert.True(select.Distinct);
        Assert.True(Assert.IsType<IsNull>(select.Where).Negated);
    }

    public static TheoryData<string, string> Types => new()
    {
        { "BOOLEAN", "BOOLEAN" },
        { "bool", "BOOLEAN" },
        { "INT", "INTEGER" },
        { "integer", "INTEGER" },
        { "INT4", "INTEGER" },
        { "SMALLINT", "INTEGER" },
        { "BIGINT", "BIGINT" },
        { "int8", "BIGINT" },
        { "DOUBLE", "DOUBLE" },
        { "DOUBLE PRECISION", "DOUBLE" },
        { "FLOAT", "DOUBLE" },
        { "FLOAT8", "DOUBLE" },
        { "REAL", "DOUBLE" },
        { "DECIMAL", "DECIMAL(18,3)" },
        { "NUMERIC(12)", "DECIMAL(12,0)" },
        { "DECIMAL(15, 2)", "DECIMAL(15,2)" },
        { "VARCHAR", "VARCHAR" },
        { "VARCHAR(25)", "VARCHAR" },
        { "TEXT", "VARCHAR" },
        { "CHAR(1)", "VARCHAR" },
        { "CHARACTER VARYING(10)", "VARCHAR" },
        { "DATE", "DATE" },
        { "TIMESTAMP", "TIMESTAMP" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Type_names_map_onto_the_engine_types(string written, string type)
    {
        Assert.Equal(type, Assert.IsType<Cast>(Expr($"CAST(x AS {written})")).Type.ToString());
        Assert.Equal(type, Assert.IsType<Cast>(Expr($"x::{written}")).Type.ToString());
    }

    [Fact]
    public void Casts_chain_left_to_right()
    {
        var outer = Assert.IsType<Cast>(Expr("'1'::int::varchar"));
        Assert.Equal(SqlType.Varchar, outer.Type);
        Assert.Equal(SqlType.Integer, Assert.IsType<Cast>(outer.Operand).Type);
    }

    // ---- calls, CASE, EXTRACT ------------------------------------------------------------------------------------

    [Fact]
    public void Function_calls_take_star_distinct_and_lower_cased_names()
    {
        var count = Assert.IsType<Call>(Expr("COUNT(*)"));
        Assert.Equal("count", count.Name);
        Assert.IsType<Star>(Assert.Single(count.Args));
        var distinct = Assert.IsType<Call>(Expr("Count(DISTINCT o_custkey)"));
        Assert.True(distinct.Distinct);
        AssertColumn(Assert.Single(distinct.Args), "o_custkey");
        var round = Assert.IsType<Call>(Expr("ROUND(a / 3, 2)"));
        Assert.Equal("round", round.Name);
        Assert.Equal(2, round.Args.Count);
        Assert.Empty(Assert.IsType<Call>(Expr("now()")).Args);
    }

    [Fact]
    public void Case_has_a_searched_and_a_simple_form()
    {
        var searched = Assert.IsType<Case>(Expr("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' END"));
        Assert.Null(searched.Operand);
        Assert.Equal(2, searched.Whens.Count);
        Assert.Null(searched.Else);
        var simple = Assert.IsType<Case>(Expr("CASE a WHEN 1 THEN 'one' ELSE 'many' END"));
        AssertColumn(simple.Operand!, "a");
        Assert.Equal("many", Assert.IsType<Literal>(simple.Else).Value);
    }

    [Fact]
    public void Extract_names_an_upper_cased_field()
    {
        var extract = Assert.IsType<Extract>(Expr("extract(year from o_orderdate)"));
        Assert.Equal("YEAR", extract.Field);
        AssertColumn(extract.Operand, "o_orderdate");
        Assert.Equal("DOW", Assert.IsType<Extract>(Expr("EXTRACT('dow' FROM d)")).Field);
    }

    [Fact]
    public void Comments_are_skipped()
    {
        var select = ParseSelect("""
            SELECT a, -- the key
                   /* a /* nested */ comment */ b
            FROM t -- trailing
            """);
        Assert.Equal(2, select.Items.Count);
    }

    // ---- SELECT --------------------------------------------------------------------------------------------------

    [Fact]
    public void Select_clauses_are_parsed()
    {
        var select = ParseSelect("""
            SELECT DISTINCT a AS x, b y, count(*) "Total", t.*, *
            FROM t
            WHERE a > 1
            GROUP BY a, b
            HAVING count(*) > 2
            ORDER BY x DESC, 2 NULLS FIRST, b ASC NULLS LAST
            LIMIT 10 OFFSET 5;
            """);
        Assert.True(select.Distinct);
        Assert.Equal(["x", "y", "Total", null, null], select.Items.Select(i => i.Alias));
        Assert.Equal("t", Assert.IsType<Star>(select.Items[3].Expr).Table);
        Assert.Null(Assert.IsType<Star>(select.Items[4].Expr).Table);
        Assert.Equal("t", Assert.IsType<TableRef>(select.From).Name);
        AssertBinary(select.Where!, ">");
        Assert.Equal(2, select.GroupBy.Count);
        AssertBinary(select.Having!, ">");
        Assert.Equal([(true, (bool?)null), (false, true), (false, false)], select.OrderBy.Select(o => (o.Descending, o.NullsFirst)));
        Assert.Equal(10L, Assert.IsType<Literal>(select.Limit).Value);
        Assert.Equal(5L, Assert.IsType<Literal>(select.Offset).Value);
        Assert.Equal(new Position(1, 1), select.At);
    }

    [Fact]
    public void Select_without_from_and_offset_before_limit_are_accepted()
    {
        var select = ParseSelect("SELECT 1 + 1 OFFSET 2 LIMIT 3");
        Assert.Null(select.From);
        Assert.Equal(3L, Assert.IsType<Literal>(select.Limit).Value);
        Assert.Equal(2L, Assert.IsType<Literal>(select.Offset).Value);
    }

    [Fact]
    public void Join_conditions_and_aliases_are_parsed()
    {
        var select = ParseSelect("""
            SELECT * FROM customer c
            JOIN orders AS o ON c.c_custkey = o.o_custkey
            LEFT OUTER JOIN lineitem l ON l.l_orderkey = o.o_orderkey
            CROSS JOIN nation
            """);
        var cross = Assert.IsType<Join>(select.From);
        Assert.Equal("CROSS", cross.Kind);
        Assert.Null(cross.On);
        Assert.Equal("nation", Assert.IsType<TableRef>(cross.Right).Label);
        var left = Assert.IsType<Join>(cross.Left);
        Assert.Equal("LEFT", left.Kind);
        Assert.Equal("l", Assert.IsType<TableRef>(left.Right).Alias);
        var inner = Assert.IsType<Join>(left.Left);
        Assert.Equal("INNER", inner.Kind);
        var customer = Assert.IsType<TableRef>(inner.Left);
        Assert.Equal(("customer", "c"), (customer.Name, customer.Alias));
        var orders = Assert.IsType<TableRef>(inner.Right);
        Assert.Equal(("orders", "o"), (orders.Name, orders.Alias));
        var on = AssertBinary(inner.On!, "=");
        AssertColumn(on.Left, "c_custkey", "c");
        AssertColumn(on.Right, "o_custkey", "o");
    }

    [Fact]
    public void Comma_lists_are_left_deep_cross_joins()
    {
        var select = ParseSelect("SELECT * FROM a, b x, c INNER JOIN d ON c.k = d.k");
        var inner = Assert.IsType<Join>(select.From);
        Assert.Equal("INNER", inner.Kind);
        var second = Assert.IsType<Join>(inner.Left);
        Assert.Equal(("CROSS", null), (second.Kind, second.On));
        Assert.Equal("c", Assert.IsType<TableRef>(second.Right).Name);
        var first = Assert.IsType<Join>(second.Left);
        Assert.Equal("CROSS", first.Kind);
        Assert.Equal("a", Assert.IsType<TableRef>(first.Left).Name);
        Assert.Equal("x", Assert.IsType<TableRef>(first.Right).Label);
    }

    [Fact]
    public void Subqueries_in_from_need_an_alias()
    {
        var select = ParseSelect("SELECT s.n FROM (SELECT count(*) AS n FROM t) AS s");
        var sub = Assert.IsType<SubqueryRef>(select.From);
        Assert.Equal("s", sub.Alias);
        Assert.Equal("t", Assert.IsType<TableRef>(sub.Query.From).Name);
        Assert.Equal("s", Assert.IsType<SubqueryRef>(ParseSelect("SELECT * FROM (SELECT 1) s").From).Alias);

        var error = Error("SELECT * FROM (SELECT 1)");
        Assert.Equal("subquery in FROM must have an alias", error.Reason);
        Assert.Equal(new Position(1, 15), error.At);
    }

    [Fact]
    public void Reserved_words_are_aliases_only_when_quoted_or_after_AS()
    {
        var select = ParseSelect("SELECT a AS from, b \"order\" FROM t \"where\"");
        Assert.Equal(["from", "order"], select.Items.Select(i => i.Alias));
        Assert.Equal("where", Assert.IsType<TableRef>(select.From).Alias);
        Assert.Equal("syntax error at or near \"select\"", Error("SELECT a select FROM t").Reason);
        Assert.Equal("syntax error at or near \"on\"", Error("SELECT a FROM t on").Reason);
        Assert.Equal("syntax error at or near \"from\"", Error("SELECT from FROM t").Reason);
    }

    [Fact]
    public void Explain_wraps_a_select()
    {
        var explain = Assert.IsType<Explain>(SqlParser.Parse("EXPLAIN SELECT a FROM t"));
        Assert.False(explain.Analyze);
        Assert.Equal("t", Assert.IsType<TableRef>(explain.Query.From).Name);
        Assert.True(Assert.IsType<Explain>(SqlParser.Parse("explain analyze select 1")).Analyze);
    }

    // ---- DDL and INSERT ------------------------------------------------------------------------------------------

    [Fact]
    public void Create_table_reads_columns_and_hash_partitioning()
    {
        var create = Assert.IsType<CreateTable>(SqlParser.Parse("""
            CREATE TABLE IF NOT EXISTS Orders (
                o_orderkey BIGINT NOT NULL,
                o_totalprice DECIMAL(15,2) NULL,
                o_orderdate DATE,
                "Comment" VARCHAR(79)
            ) PARTITION BY HASH (o_orderkey) PARTITIONS 8
            """));
        Assert.Equal("orders", create.Name);
        Assert.True(create.IfNotExists);
        Assert.Equal(
            [
                new ColumnDefinition("o_orderkey", SqlType.BigInt, true),
                new ColumnDefinition("o_totalprice", SqlType.Decimal(15, 2), false),
                new ColumnDefinition("o_orderdate", SqlType.Date, false),
                new ColumnDefinition("Comment", SqlType.Varchar, false),
            ],
            create.Columns);
        var partitioning = create.PartitionBy!;
        Assert.Equal(("HASH", "o_orderkey", (int?)8), (partitioning.Method, partitioning.Column, partitioning.Partitions));
        Assert.Empty(partitioning.Bounds);

        var unnumbered = Assert.IsType<CreateTable>(SqlParser.Parse("CREATE TABLE t (k INT) PARTITION BY HASH (k)")).PartitionBy!;
        Assert.Null(unnumbered.Partitions);
    }

    [Fact]
    public void Create_table_reads_range_partitioning_bounds()
    {
        var create = Assert.IsType<CreateTable>(SqlParser.Parse(
            "CREATE TABLE events (at DATE NOT NULL, v DOUBLE) PARTITION BY RANGE (at) VALUES (DATE '2024-01-01', DATE '2024-07-01')"));
        Assert.False(create.IfNotExists);
        var partitioning = create.PartitionBy!;
        Assert.Equal(("RANGE", "at", (int?)null), (partitioning.Method, partitioning.Column, partitioning.Partitions));
        Assert.Equal([new DateOnly(2024, 1, 1), new DateOnly(2024, 7, 1)], partitioning.Bounds.Select(b => b.Value));

        var numbers = Assert.IsType<CreateTable>(SqlParser.Parse("CREATE TABLE t (k INT) PARTITION BY RANGE (k) VALUES (-10, 0, 10)"));
        Assert.Equal([-10L, 0L, 10L], numbers.PartitionBy!.Bounds.Select(b => b.Value));
        var mixed = Assert.IsType<CreateTable>(SqlParser.Parse("CREATE TABLE t (k DOUBLE) PARTITION BY RANGE (k) VALUES (1, 2.5, 3e0)"));
        Assert.Equal([1L, 2.5m, 3.0], mixed.PartitionBy!.Bounds.Select(b => b.Value));
        var single = Assert.IsType<CreateTable>(SqlParser.Parse("CREATE TABLE t (k INT) PARTITION BY RANGE (k)"));
        Assert.Empty(single.PartitionBy!.Bounds);
        Assert.Null(Assert.IsType<CreateTable>(SqlParser.Parse("CREATE TABLE t (k INT)")).PartitionBy);
    }

    [Theory]
    [InlineData("CREATE TABLE t (k INT, k BIGINT)", "column \"k\" specified more than once", 24)]
    [InlineData("CREATE TABLE t (k INT) PARTITION BY HASH (x)", "partition column \"x\" is not a column of the table", 43)]
    [InlineData("CREATE TABLE t (k INT) PARTITION BY HASH (k) PARTITIONS 0", "PARTITIONS must be a positive integer", 57)]
    [InlineData("CREATE TABLE t (k INT) PARTITION BY RANGE (k) VALUES (5, 1)", "partition bounds must be in ascending order", 58)]
    [InlineData("CREATE TABLE t (k INT) PARTITION BY RANGE (k) VALUES (1.5, 1)", "partition bounds must be in ascending order", 60)]
    [InlineData("CREATE TABLE t (k TEXT) PARTITION BY RANGE (k) VALUES ('b', 'B')", "partition bounds must be in ascending order", 61)]
    [InlineData("CREATE TABLE t (k INT) PARTITION BY RANGE (k) VALUES (k)", "partition bound must be a constant", 55)]
    [InlineData("CREATE TABLE t (k INT) PARTITION BY LIST (k)", "expected \"HASH\" or \"RANGE\"", 37)]
    [InlineData("CREATE TABLE t (k WHATEVER)", "unknown type \"WHATEVER\"", 19)]
    [InlineData("CREATE TABLE t (k DECIMAL(40, 2))", "DECIMAL precision must be between 1 and 38", 27)]
    [InlineData("CREATE TABLE t (k DECIMAL(4, 5))", "DECIMAL scale must be between 0 and the precision 4", 30)]
    public void Invalid_table_definitions_are_rejected(string sql, string reason, int column)
    {
        var error = Error(sql);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(new Position(1, column), error.At);
    }

    [Fact]
    public void Drop_table_reads_if_exists()
    {
        var drop = Assert.IsType<DropTable>(SqlParser.Parse("DROP TABLE IF EXISTS \"Old\""));
        Assert.Equal(("Old", true), (drop.Name, drop.IfExists));
        Assert.False(Assert.IsType<DropTable>(SqlParser.Parse("drop table t;")).IfExists);
    }

    [Fact]
    public void Insert_reads_columns_and_rows()
    {
        var insert = Assert.IsType<Insert>(SqlParser.Parse("INSERT INTO t (a, \"B\") VALUES (1, 'x'), (-2.5, NULL)"));
        Assert.Equal("t", insert.Table);
        Assert.Equal(["a", "B"], insert.Columns!);
        Assert.Equal(2, insert.Rows.Count);
        Assert.Equal([1L, "x"], insert.Rows[0].Select(e => Assert.IsType<Literal>(e).Value));
        Assert.Equal([-2.5m, null], insert.Rows[1].Select(e => Assert.IsType<Literal>(e).Value));

        var unnamed = Assert.IsType<Insert>(SqlParser.Parse("INSERT INTO t VALUES (DATE '2024-01-01')"));
        Assert.Null(unnamed.Columns);
        Assert.Equal(new DateOnly(2024, 1, 1), Assert.IsType<Literal>(Assert.Single(Assert.Single(unnamed.Rows))).Value);
    }

    [Theory]
    [InlineData("INSERT INTO t (a) VALUES (1, 2)", "INSERT has more expressions than target columns", 26)]
    [InlineData("INSERT INTO t (a, b) VALUES (1)", "INSERT has more target columns than expressions", 29)]
    [InlineData("INSERT INTO t VALUES (1, 2), (3)", "VALUES lists must all be the same length", 30)]
    [InlineData("INSERT INTO t SELECT 1", "expected \"VALUES\"", 15)]
    public void Invalid_inserts_are_rejected(string sql, string reason, int column)
    {
        var error = Error(sql);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(new Position(1, column), error.At);
    }

    // ---- TPC-H ---------------------------------------------------------------------------------------------------

    private const string Q1 = """
        SELECT l_returnflag, l_linestatus,
               SUM(l_quantity) AS sum_qty,
               SUM(l_extendedprice) AS sum_base_price,
               SUM(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
               SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
               AVG(l_quantity) AS avg_qty, AVG(l_extendedprice) AS avg_price, AVG(l_discount) AS avg_disc,
               COUNT(*) AS count_order
        FROM lineitem
        WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
        GROUP BY l_returnflag, l_linestatus
        ORDER BY l_returnflag, l_linestatus;
        """;

    private const string Q3 = """
        SELECT l_orderkey, SUM(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
        FROM customer, orders, lineitem
        WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
          AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
        GROUP BY l_orderkey, o_orderdate, o_shippriority
        ORDER BY revenue DESC, o_orderdate
        LIMIT 10
        """;

    private const string Q5 = """
        SELECT n.n_name, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue
        FROM customer c
        JOIN orders o ON c.c_custkey = o.o_custkey
        JOIN lineitem l ON l.l_orderkey = o.o_orderkey
        JOIN supplier s ON l.l_suppkey = s.s_suppkey AND c.c_nationkey = s.s_nationkey
        JOIN nation n ON s.s_nationkey = n.n_nationkey
        JOIN region r ON n.n_regionkey = r.r_regionkey
        WHERE r.r_name = 'ASIA'
          AND o.o_orderdate >= DATE '1994-01-01' AND o.o_orderdate < DATE '1994-01-01' + INTERVAL '1' YEAR
        GROUP BY n.n_name
        ORDER BY revenue DESC
        """;

    private const string Q6 = """
        SELECT SUM(l_extendedprice * l_discount) AS revenue
        FROM lineitem
        WHERE l_shipdate >= DATE '1994-01-01'
          AND l_shipdate < DATE '1994-01-01' + INTERVAL '1 year'
          AND l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01
          AND l_quantity < 24
        """;

    private const string Q10 = """
        SELECT c_custkey, c_name, SUM(l_extendedprice * (1 - l_discount)) AS revenue,
               c_acctbal, n_name, c_address, c_phone, c_comment
        FROM customer, orders, lineitem, nation
        WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey
          AND o_orderdate >= DATE '1993-10-01' AND o_orderdate < DATE '1993-10-01' + INTERVAL '3' MONTH
          AND l_returnflag = 'R' AND c_nationkey = n_nationkey
        GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
        ORDER BY revenue DESC
        LIMIT 20
        """;

    private const string Q7 = """
        SELECT supp_nation, cust_nation, l_year, SUM(volume) AS revenue
        FROM (
            SELECT n1.n_name AS supp_nation, n2.n_name AS cust_nation,
                   EXTRACT(YEAR FROM l_shipdate) AS l_year, l_extendedprice * (1 - l_discount) AS volume
            FROM supplier, lineitem, orders, customer, nation n1, nation n2
            WHERE s_suppkey = l_suppkey AND o_orderkey = l_orderkey AND c_custkey = o_custkey
              AND s_nationkey = n1.n_nationkey AND c_nationkey = n2.n_nationkey
              AND ((n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY') OR (n1.n_name = 'GERMANY' AND n2.n_name = 'FRANCE'))
              AND l_shipdate BETWEEN DATE '1995-01-01' AND DATE '1996-12-31'
        ) AS shipping
        GROUP BY supp_nation, cust_nation, l_year
        ORDER BY supp_nation, cust_nation, l_year
        """;

    private const string Q12 = """
        SELECT l_shipmode,
               SUM(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count,
               SUM(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count
        FROM orders INNER JOIN lineitem ON o_orderkey = l_orderkey
        WHERE l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < l_receiptdate AND l_shipdate < l_commitdate
          AND l_receiptdate >= DATE '1994-01-01' AND l_receiptdate < DATE '1994-01-01' + INTERVAL '1' YEAR
        GROUP BY l_shipmode
        ORDER BY l_shipmode
        """;

    private const string Q14 = """
        SELECT 100.00 * SUM(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END)
               / SUM(l_extendedprice * (1 - l_discount)) AS promo_revenue
        FROM lineitem, part
        WHERE l_partkey = p_partkey AND l_shipdate >= DATE '1995-09-01' AND l_shipdate < DATE '1995-09-01' + INTERVAL '1' MONTH
        """;

    public static TheoryData<string> TpcH => [Q1, Q3, Q5, Q6, Q7, Q10, Q12, Q14];

    [Theory]
    [MemberData(nameof(TpcH))]
    public void TPC_H_style_queries_parse(string sql)
    {
        var select = ParseSelect(sql);
        Assert.NotEmpty(select.Items);
        Assert.NotNull(select.From);
    }

    [Fact]
    public void TPC_H_Q1_has_its_date_arithmetic_and_grouping()
    {
        var select = ParseSelect(Q1);
        var where = AssertBinary(select.Where!, "<=");
        var minus = AssertBinary(where.Right, "-");
        Assert.Equal(new DateOnly(1998, 12, 1), Assert.IsType<Literal>(minus.Left).Value);
        Assert.Equal(new IntervalLiteral(new Position(9, 41), 90, "DAY"), minus.Right);
        Assert.Equal(10, select.Items.Count);
        Assert.Equal("count_order", select.Items[^1].Alias);
        Assert.Equal(2, select.GroupBy.Count);
        Assert.Equal(2, select.OrderBy.Count);
    }

    // ---- errors --------------------------------------------------------------------------------------------------

    [Fact]
    public void A_typo_is_reported_at_its_line_and_column()
    {
        var error = Error("""
            SELECT l_orderkey, SUM(l_quantity) AS qty
            FROM lineitem
            WHERE l_quantity > 5 GRUOP BY l_orderkey
            """);
        Assert.Equal("syntax error at or near \"GRUOP\"", error.Reason);
        Assert.Equal(new Position(3, 22), error.At);
        Assert.Contains("line 3, column 22", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_keyword_is_named_as_written()
    {
        var error = Error("SELECT * FORM lineitem");
        Assert.Equal("syntax error at or near \"FORM\"", error.Reason);
        Assert.Equal(new Position(1, 10), error.At);
    }

    [Fact]
    public void A_premature_end_is_reported_just_after_the_last_token()
    {
        var error = Error("SELECT a\nFROM t\nWHERE a =   \n  -- nothing more\n");
        Assert.Equal("unexpected end of input", error.Reason);
        Assert.Equal(new Position(3, 10), error.At);
        Assert.Equal(new Position(1, 1), Error("").At);
        Assert.Equal("unexpected end of input", Error("SELECT count(*").Reason);
    }

    [Theory]
    [InlineData("SELECT (a + b FROM t", "expected \")\"", 1, 15)]
    [InlineData("SELECT a FROM t JOIN u WHERE a = 1", "expected \"ON\"", 1, 24)]
    [InlineData("SELECT a FROM t;\nSELECT b", "syntax error at or near \"SELECT\"", 2, 1)]
    [InlineData("SELECT a FROM t WHERE s = 'open", "unterminated string", 1, 27)]
    [InlineData("SELECT a FROM \"t", "unterminated quoted identifier", 1, 15)]
    [InlineData("SELECT a\nFROM t /* never\nclosed", "unterminated /* comment", 2, 8)]
    [InlineData("SELECT a ? b", "unexpected character \"?\"", 1, 10)]
    [InlineData("SELECT 'a\nb' ? c", "unexpected character \"?\"", 2, 4)]
    [InlineData("SELECT 12abc", "trailing junk after numeric literal", 1, 8)]
    [InlineData("SELECT sum(*) FROM t", "\"*\" is allowed only in a select list or COUNT(*)", 1, 12)]
    [InlineData("SELECT a FROM t WHERE t.* = 1", "\"t.*\" is allowed only in a select list", 1, 23)]
    [InlineData("SELECT a FROM t WHERE a IN (SELECT b FROM u)", "subqueries in expressions are not supported", 1, 29)]
    [InlineData("SELECT a FROM t RIGHT JOIN u ON true", "RIGHT JOIN is not supported", 1, 17)]
    [InlineData("SELECT DATE '2024-13-01'", "invalid DATE literal '2024-13-01'", 1, 13)]
    [InlineData("SELECT INTERVAL '1 year 2 months'", "unsupported INTERVAL '1 year 2 months': write a whole number and one unit, e.g. '90 days'", 1, 17)]
    [InlineData("SELECT INTERVAL '3' FORTNIGHT", "expected an INTERVAL unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)", 1, 21)]
    [InlineData("SELECT EXTRACT(WEEK FROM d)", "unsupported EXTRACT field \"week\"", 1, 16)]
    [InlineData("SELECT CASE WHEN a THEN 1 ELSE 2", "unexpected end of input", 1, 33)]
    [InlineData("SELECT a FROM t ORDER BY a NULLS LATER", "expected \"FIRST\" or \"LAST\"", 1, 34)]
    [InlineData("UPDATE t SET a = 1", "syntax error at or near \"UPDATE\"", 1, 1)]
    [InlineData("SELECT \"\" FROM t", "zero-length quoted identifier", 1, 8)]
    public void Errors_name_the_problem_and_where_it_is(string sql, string reason, int line, int column)
    {
        var error = Error(sql);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(new Position(line, column), error.At);
    }

    // ---- printing ------------------------------------------------------------------------------------------------

    public static TheoryData<string> RoundTrips =>
    [
        Q1, Q3, Q5, Q6, Q7, Q10, Q12, Q14,
        "SELECT DISTINCT a, b AS \"Mixed \"\"Case\"\"\", t.*, * FROM t",
        "SELECT -a * b, - 5, 2 - -3, -(a + 1), +a, NOT NOT a FROM t",
        "SELECT a || 'x''y' || b, a % 3, 1.50, 1e-3, 2.5E10, TRUE, FALSE, NULL FROM t",
        "SELECT CAST(a AS DECIMAL(12, 2)), b::text, c::double precision::int FROM t",
        "SELECT count(*), count(DISTINCT a), max(b), \"My Func\"(c), now() FROM t",
        "SELECT CASE a WHEN 1 THEN 'x' ELSE 'y' END, CASE WHEN a IS NULL THEN 0 END FROM t",
        "SELECT a FROM t WHERE a NOT IN (1, 2) AND b BETWEEN 1 AND 2 OR c NOT BETWEEN d AND e + 1",
        "SELECT a FROM t WHERE a LIKE 'x%' AND b NOT ILIKE '%Y' AND c IS NOT NULL AND d IS NULL",
        "SELECT EXTRACT(DOW FROM d), EXTRACT(epoch FROM ts) FROM t WHERE ts >= TIMESTAMP '2024-01-01 10:30:00.5'",
        "SELECT d + INTERVAL '90 days', d - INTERVAL '2' MONTH, d + INTERVAL '-1' YEAR FROM t",
        "SELECT a FROM t ORDER BY a DESC NULLS LAST, b NULLS FIRST, c LIMIT 5 OFFSET 10",
        "SELECT x.a FROM (SELECT a FROM (SELECT 1 AS a) AS y) x LEFT JOIN u ON x.a = u.a CROSS JOIN v, w",
        "SELECT * FROM a JOIN (b JOIN c ON b.k = c.k) ON a.k = b.k",
        "SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 AND sum(b) < 10.0",
        "SELECT (a = b) = (c <> d), a < b, a <= b, a > b, a >= b FROM t",
    ];

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Printed_queries_parse_back_to_the_same_tree(string sql)
    {
        var once = Printed(sql);
        Assert.Equal(once, Printed(once));
    }

    [Fact]
    public void Printed_expressions_are_fully_parenthesized()
    {
        Assert.Equal("(\"a\" + (\"b\" * \"c\"))", SqlPrinter.Print(Expr("a + b * c")));
        Assert.Equal("((NOT (\"a\" = \"b\")) AND \"c\")", SqlPrinter.Print(Expr("NOT a = b AND c")));
        Assert.Equal("((\"a\" - \"b\") - \"c\")", SqlPrinter.Print(Expr("a - b - c")));
        Assert.Equal("(\"a\" - (\"b\" - \"c\"))", SqlPrinter.Print(Expr("a - (b - c)")));
        Assert.Equal("(\"a\" - -1)", SqlPrinter.Print(Expr("a - -1")));
        Assert.Equal("(- \"a\")", SqlPrinter.Print(Expr("-a")));
    }

    [Fact]
    public void Printed_literals_keep_their_types()
    {
        Assert.Equal(
            "SELECT 1, 1.50, 5.0, 1.5E0, 1E+20, 'it''s', TRUE, NULL, DATE '1998-12-01', TIMESTAMP '2024-02-29 13:45:10', "
            + "TIMESTAMP '2024-02-29 13:45:10.25', INTERVAL 90 DAY, INTERVAL (-3) MONTH",
            SqlPrinter.Print(ParseSelect(
                "SELECT 1, 1.50, 5.0, 1.5e0, 1e20, 'it''s', true, null, DATE '1998-12-01', TIMESTAMP '2024-02-29 13:45:10', "
                + "TIMESTAMP '2024-02-29 13:45:10.25', INTERVAL '90 days', INTERVAL '-3' MONTH")));
        Assert.Equal("5.0", SqlPrinter.Print(new Literal(default, 5m)));
        Assert.Equal("0.25E0", SqlPrinter.Print(new Literal(default, 0.25)));
        Assert.Equal("CAST('NaN' AS DOUBLE)", SqlPrinter.Print(new Literal(default, double.NaN)));
    }

    [Fact]
    public void Printed_predicates_calls_and_casts_use_the_engine_spelling()
    {
        Assert.Equal(
            "SELECT count(*) AS \"n\", count(DISTINCT \"t\".\"a\"), CAST(\"b\" AS DECIMAL(18,3)), CAST(\"c\" AS VARCHAR), "
            + "EXTRACT(YEAR FROM \"d\"), CASE WHEN (\"a\" IS NULL) THEN 0 ELSE 1 END, (\"a\" NOT IN (1, 2)), "
            + "(\"a\" BETWEEN 1 AND (2 + 3)), (\"s\" NOT ILIKE 'x%'), (\"s\" || 'y'), \"t\".*, \"Q\"\"x\".\"a\" FROM \"t\"",
            SqlPrinter.Print(ParseSelect(
                "SELECT COUNT(*) n, COUNT(DISTINCT t.a), CAST(b AS NUMERIC), c::text, EXTRACT(year FROM d), "
                + "CASE WHEN a IS NULL THEN 0 ELSE 1 END, a NOT IN (1, 2), a BETWEEN 1 AND 2 + 3, s NOT ILIKE 'x%', s || 'y', "
                + "t.*, \"Q\"\"x\".a FROM t")));
    }

    [Fact]
    public void Printed_order_by_always_spells_out_where_nulls_go()
    {
        Assert.Equal(
            "SELECT \"a\" FROM \"t\" ORDER BY \"a\" ASC NULLS LAST, \"b\" DESC NULLS FIRST, \"c\" DESC NULLS LAST LIMIT 3 OFFSET 1",
            Printed("SELECT a FROM t ORDER BY a, b DESC, c DESC NULLS LAST LIMIT 3 OFFSET 1"));
    }

    [Fact]
    public void Printed_joins_are_parenthesized_with_their_kinds()
    {
        Assert.Equal(
            "SELECT * FROM (((\"customer\" AS \"c\" INNER JOIN \"orders\" AS \"o\" ON (\"c\".\"k\" = \"o\".\"k\")) "
            + "LEFT JOIN (SELECT 1 AS \"x\") AS \"s\" ON TRUE) CROSS JOIN \"nation\")",
            Printed("SELECT * FROM customer c JOIN orders o ON c.k = o.k LEFT JOIN (SELECT 1 x) s ON true, nation"));
    }

    [Fact]
    public void Printed_table_references_can_be_replaced()
    {
        var select = ParseSelect("SELECT l.a FROM lineitem l JOIN (SELECT * FROM orders) o ON l.k = o.k WHERE l.a > 1");
        Assert.Equal(
            "SELECT \"l\".\"a\" FROM (\"lineitem_p3\" AS \"l\" INNER JOIN (SELECT * FROM \"orders_p3\" AS \"orders\") AS \"o\" "
            + "ON (\"l\".\"k\" = \"o\".\"k\")) WHERE (\"l\".\"a\" > 1)",
            SqlPrinter.Print(select, t => $"{SqlPrinter.Name(t.Name + "_p3")} AS {SqlPrinter.Name(t.Label)}"));
    }

    [Fact]
    public void Names_are_double_quoted_with_quotes_doubled()
    {
        Assert.Equal("\"lineitem\"", SqlPrinter.Name("lineitem"));
        Assert.Equal("\"say \"\"hi\"\"\"", SqlPrinter.Name("say \"hi\""));
    }
}
