using Apache.Arrow;
using DuckDB.NET.Data;
using Platform.Query.Contracts;

namespace Platform.Query.Tests;

/// <summary>Rows through Arrow streams and back into the engine, against an in-memory DuckDB.</summary>
[Trait("Category", "query")]
public sealed class ArrowRowsTests : IDisposable
{
    private const string EveryType = """
        CREATE TABLE source(b BOOLEAN, i INTEGER, l BIGINT, h HUGEINT, d DOUBLE, f FLOAT, m DECIMAL(12,2), w DECIMAL(38,10), s VARCHAR, dt DATE, ts TIMESTAMP);
        INSERT INTO source VALUES
          (true, 2147483647, 9223372036854775807, 99999999999999999999999999, 1.5, 0.1, 1234567890.12, 123456789012345678.0123456789, 'hé ☃', DATE '2024-02-29', TIMESTAMP '2024-02-29 12:34:56.789123'),
          (false, -2147483648, -9223372036854775808, -5, -0.0, -2.5, -0.01, -0.0000000001, '', DATE '0001-01-01', TIMESTAMP '1970-01-01 00:00:00'),
          (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          (NULL, 7, NULL, 12, NULL, NULL, 3.50, NULL, 'x', NULL, TIMESTAMP '9999-12-31 23:59:59.999999');
        """;

    private readonly DuckDBConnection engine = new("DataSource=:memory:");
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    public ArrowRowsTests() => engine.Open();

    public void Dispose() => engine.Dispose();

    [Fact]
    public async Task Every_type_and_null_survive_a_round_trip_into_another_table()
    {
        Execute(EveryType);

        var (schema, batches) = await RoundTripAsync("SELECT * FROM source");

        Assert.Equal(
            ["BOOLEAN", "INTEGER", "BIGINT", "DECIMAL(38,0)", "DOUBLE", "DOUBLE", "DECIMAL(12,2)", "DECIMAL(38,10)", "VARCHAR", "DATE", "TIMESTAMP"],
            ArrowRows.Columns(schema).Select(c => c.Type));
        Assert.Equal(4, Assert.Single(batches).Length);
        AssertSameRows("source", "copy");
    }

    [Fact]
    public async Task A_large_result_streams_in_batches_of_64K_rows()
    {
        Execute("""
            CREATE TABLE source AS
            SELECT i::INTEGER AS i, i * 1000000007 AS l, CASE WHEN i % 7 = 0 THEN NULL ELSE 'row ' || i END AS s,
                   (i / 100.0)::DECIMAL(15,2) AS m, DATE '2000-01-01' + (i % 9000)::INTEGER AS dt
            FROM range(150000) r(i)
            """);

        var (_, batches) = await RoundTripAsync("SELECT * FROM source");

        Assert.Equal([65536, 65536, 18928], batches.Select(b => b.Length));
        Assert.Equal(150000L, Scalar("SELECT count(*) FROM copy"));
        AssertSameRows("source", "copy");
    }

    [Fact]
    public async Task An_empty_result_still_carries_its_schema_exactly_as_described()
    {
        Execute(EveryType);
        const string query = "SELECT i, m, s, sum(l) OVER () AS total FROM source WHERE false";
        var described = await ResultColumns.DescribeAsync(engine, query, ct);
        await using var stream = new MemoryStream(ArrowRows.Build(described, []));

        var (schema, batches) = await ArrowRows.ReadAllAsync(stream, ct);

        Assert.Empty(batches);
        Assert.Equal([new("i", "INTEGER"), new("m", "DECIMAL(12,2)"), new("s", "VARCHAR"), new("total", "DECIMAL(38,0)")], ArrowRows.Columns(schema));
    }

    [Fact]
    public async Task An_empty_result_written_from_the_reader_alone_keeps_its_columns()
    {
        Execute(EveryType);

        var (schema, batches) = await RoundTripAsync("SELECT b, i, s, dt, ts FROM source WHERE false");

        Assert.Empty(batches);
        Assert.Equal(["BOOLEAN", "INTEGER", "VARCHAR", "DATE", "TIMESTAMP"], ArrowRows.Columns(schema).Select(c => c.Type));
        Assert.Equal(0L, Scalar("SELECT count(*) FROM copy"));
    }

    [Fact]
    public async Task Rows_come_back_as_plain_values()
    {
        Execute(EveryType);

        var (_, batches) = await RoundTripAsync("SELECT * FROM source");
        var rows = ArrowRows.Rows(batches[0]).ToList();

        Assert.Equal(
            new object?[] { true, 2147483647, 9223372036854775807L, 99999999999999999999999999m, 1.5, (double)0.1f, 1234567890.12m, 123456789012345678.0123456789m, "hé ☃",
             new DateOnly(2024, 2, 29), new DateTime(2024, 2, 29, 12, 34, 56, 789).AddTicks(1230) },
            rows[0]);
        Assert.All(rows[2], Assert.Null);
        Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 59, 999).AddTicks(9990), rows[3][10]);
        Assert.Equal(ArrowRows.Row(batches[0], 3), rows[3]);
    }

    [Fact]
    public async Task Plain_values_build_a_stream_the_engine_takes()
    {
        ColumnSchema[] columns = [new("id", "INTEGER"), new("amount", "DECIMAL(10,2)"), new("name", "VARCHAR"), new("day", "DATE"), new("at", "TIMESTAMP"), new("ok", "BOOLEAN"), new("score", "DOUBLE"), new("big", "BIGINT")];
        object?[][] rows =
        [
            [1L, 12.345m, "a", "2024-03-01", "2024-03-01 10:00:00.5", "true", 1, 5],
            [2, "7", null, new DateOnly(1999, 12, 31), new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.FromHours(2)), false, 2.25, long.MaxValue],
            [null, null, null, null, null, null, null, null],
        ];

        await using var stream = new MemoryStream(ArrowRows.Build(columns, rows));
        var (schema, batches) = await ArrowRows.ReadAllAsync(stream, ct);
        Assert.Equal(columns, ArrowRows.Columns(schema));
        CreateTable("built", ArrowRows.Columns(schema));
        ArrowRows.AppendTo(engine, "built", batches[0]);

        Execute("""
            CREATE TABLE expected AS VALUES
              (1, 12.35::DECIMAL(10,2), 'a', DATE '2024-03-01', TIMESTAMP '2024-03-01 10:00:00.5', true, 1.0, 5::BIGINT),
              (2, 7.00, NULL, DATE '1999-12-31', TIMESTAMP '2024-03-01 10:00:00', false, 2.25, 9223372036854775807),
              (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
            """);
        AssertSameRows("built", "expected");
    }

    [Fact]
    public void A_value_that_is_not_its_columns_type_names_the_column()
    {
        var failure = Assert.Throws<FormatException>(() => ArrowRows.Build([new("quantity", "INTEGER")], [["twelve"]]));

        Assert.Contains("'quantity'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_type_rows_cannot_carry_is_refused_before_anything_is_written()
    {
        using var command = engine.CreateCommand();
        command.CommandText = "SELECT 1 AS n, INTERVAL 1 DAY AS span";
        using var reader = command.ExecuteReader();
        await using var output = new MemoryStream();

        var failure = await Assert.ThrowsAsync<NotSupportedException>(() => ArrowRows.WriteAsync(reader, output, ct));

        Assert.Contains("'span'", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task An_engine_error_within_the_first_batch_leaves_the_output_untouched()
    {
        await using var output = new MemoryStream();

        // Row 5 of 10 fails as the engine computes it: the first batch never completes, so nothing has been written.
        await Assert.ThrowsAsync<DuckDBException>(() => ArrowRows.WriteQueryAsync(engine, "SELECT CASE WHEN i = 5 THEN error('row 5') ELSE i END AS v FROM range(10) r(i)", output, ct));

        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task An_empty_answer_still_carries_its_exact_decimal_type()
    {
        await using var output = new MemoryStream();

        await ArrowRows.WriteQueryAsync(engine, "SELECT 1.25::DECIMAL(9,2) AS price WHERE false", output, ct);

        output.Position = 0;
        var (schema, batches) = await ArrowRows.ReadAllAsync(output, ct);
        Assert.Equal("DECIMAL(9,2)", ArrowRows.Columns(schema)[0].Type);
        Assert.Empty(batches);
    }

    [Fact]
    public async Task Describing_a_result_of_a_type_rows_cannot_carry_names_the_column()
    {
        var failure = await Assert.ThrowsAsync<NotSupportedException>(() => ResultColumns.DescribeAsync(engine, "SELECT 1 AS n, [1, 2] AS list", ct));

        Assert.Contains("'list'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writing_uses_only_asynchronous_output_as_a_response_body_requires()
    {
        Execute(EveryType);
        using var command = engine.CreateCommand();
        command.CommandText = "SELECT * FROM source";
        using var reader = command.ExecuteReader();
        await using var output = new AsyncOnlyStream();

        await ArrowRows.WriteAsync(reader, output, ct);

        output.Written.Position = 0;
        var (_, batches) = await ArrowRows.ReadAllAsync(output.Written, ct);
        Assert.Equal(4, Assert.Single(batches).Length);
    }

    [Theory]
    [InlineData("integer", "INTEGER")]
    [InlineData(" numeric( 12 , 2 ) ", "DECIMAL(12,2)")]
    [InlineData("varchar(25)", "VARCHAR")]
    [InlineData("HUGEINT", "DECIMAL(38,0)")]
    [InlineData("double precision", "DOUBLE")]
    [InlineData("timestamp", "TIMESTAMP")]
    [InlineData("SMALLINT", "INTEGER")]
    [InlineData("FLOAT", "DOUBLE")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "TIMESTAMP")]
    public void Engine_type_names_are_normalized(string given, string normalized) => Assert.Equal(normalized, EngineTypes.Normalize(given));

    [Theory]
    [InlineData("INTERVAL")]
    [InlineData("DECIMAL(39,0)")]
    [InlineData("DECIMAL(4,5)")]
    [InlineData("INTEGER); DROP TABLE x; --")]
    public void Types_outside_the_vocabulary_are_refused(string given) => Assert.Throws<ArgumentException>(() => EngineTypes.Normalize(given));

    /// <summary>The query's rows written as Arrow, read back, and appended into a new table "copy" made from the stream's schema.</summary>
    private async Task<(Schema Schema, List<RecordBatch> Batches)> RoundTripAsync(string query)
    {
        await using var stream = new MemoryStream();
        using (var command = engine.CreateCommand())
        {
            command.CommandText = query;
            using var reader = command.ExecuteReader();
            await ArrowRows.WriteAsync(reader, stream, ct);
        }

        stream.Position = 0;
        var (schema, batches) = await ArrowRows.ReadAllAsync(stream, ct);
        CreateTable("copy", ArrowRows.Columns(schema));
        foreach (var batch in batches)
        {
            ArrowRows.AppendTo(engine, "copy", batch);
        }

        return (schema, batches);
    }

    private void AssertSameRows(string left, string right)
    {
        Assert.Equal(Scalar($"SELECT count(*) FROM {left}"), Scalar($"SELECT count(*) FROM {right}"));
        Assert.Equal(0L, Scalar($"SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})"));
        Assert.Equal(0L, Scalar($"SELECT count(*) FROM (SELECT * FROM {right} EXCEPT ALL SELECT * FROM {left})"));
    }

    private void CreateTable(string name, IReadOnlyList<ColumnSchema> columns)
        => Execute($"CREATE TABLE {name} ({string.Join(", ", columns.Select(c => $"\"{c.Name}\" {c.Type}"))})");

    private void Execute(string sql)
    {
        using var command = engine.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = engine.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Like Kestrel's response body: synchronous writes and flushes are refused.</summary>
    private sealed class AsyncOnlyStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous writes are not allowed.");

        public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("Synchronous writes are not allowed.");

        public override void Flush() => throw new InvalidOperationException("Synchronous flushes are not allowed.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Written.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
