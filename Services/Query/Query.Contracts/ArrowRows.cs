using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace Platform.Query.Contracts;

/// <summary>
/// Rows between nodes as Apache Arrow IPC streams: written from an engine reader or plain values, read back as batches,
/// appended into an engine table, or turned into plain values for JSON. Column types are <see cref="EngineTypes"/>'s;
/// HUGEINT travels as DECIMAL(38,0). Decimals leave Arrow as <see cref="decimal"/>, so a value of more than 28
/// significant digits loses its last digits there (and one beyond ±7.9e28 cannot be appended into the engine at all).
/// </summary>
public static class ArrowRows
{
    public const string MediaType = "application/vnd.apache.arrow.stream";

    /// <summary>Rows per record batch: big enough to amortize the per-batch framing, small enough to stream.</summary>
    public const int BatchRows = 64 * 1024;

    /// <summary>
    /// Runs <paramref name="query"/> on the engine and writes its rows as one Arrow stream, streamed as the engine makes
    /// them (cancelling interrupts the engine), with the exact column types also when there are no rows. Nothing is written
    /// before the first batch is complete, as with <see cref="WriteAsync"/>.
    /// </summary>
    public static async Task WriteQueryAsync(DuckDBConnection connection, string query, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(output);
        await using var command = connection.CreateCommand();
        command.CommandText = query;
        command.UseStreamingMode = true;
        await using var cancel = ct.Register(command.Cancel);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (reader.HasRows)
            {
                await WriteAsync(reader, output, ct);
                return;
            }
        }

        // The engine's reader cannot type an empty result's DECIMAL columns (it reads them off the first chunk); its binder can.
        await output.WriteAsync(Build(await ResultColumns.DescribeAsync(connection, query, ct), []), ct);
    }

    /// <summary>
    /// Writes the reader's rows to <paramref name="output"/> as one Arrow stream (the schema even with no rows), typed by
    /// what the reader says of its columns. Nothing is written before the first batch is complete, so a failure in the first
    /// <see cref="BatchRows"/> rows leaves the output untouched. The engine's reader does not tell a DECIMAL's precision
    /// when it has no rows (it reads it off the first chunk) and such a column goes as DECIMAL(38,10): for an exact empty
    /// answer, <see cref="Build"/> one from <see cref="ResultColumns.DescribeAsync"/> when <see cref="DbDataReader.HasRows"/> is false.
    /// </summary>
    public static async Task WriteAsync(DbDataReader reader, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var schema = SchemaOf(reader);
        var batch = new BatchBuilder(schema);
        var values = new object[reader.FieldCount];
        var written = false;
        using var writer = new ArrowStreamWriter(output, schema, leaveOpen: true);
        while (await reader.ReadAsync(ct))
        {
            reader.GetValues(values);
            batch.Append(values);
            if (batch.IsFull)
            {
                using var full = batch.Build();
                await writer.WriteRecordBatchAsync(full, ct);
                written = true;
            }
        }

        if (batch.Rows > 0)
        {
            using var last = batch.Build();
            await writer.WriteRecordBatchAsync(last, ct);
        }
        else if (!written)
        {
            await writer.WriteStartAsync(ct);
        }

        await writer.WriteEndAsync(ct);
    }

    /// <summary>An Arrow stream from plain values typed per <paramref name="columns"/> (numbers, strings, DateOnly, DateTime, null; ISO strings for dates).</summary>
    public static byte[] Build(IReadOnlyList<ColumnSchema> columns, IEnumerable<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var schema = SchemaOf(columns);
        var batch = new BatchBuilder(schema);
        using var buffer = new MemoryStream();
        using (var writer = new ArrowStreamWriter(buffer, schema, leaveOpen: true))
        {
            writer.WriteStart();
            foreach (var row in rows)
            {
                batch.Append(row);
                if (batch.IsFull)
                {
                    using var full = batch.Build();
                    writer.WriteRecordBatch(full);
                }
            }

            if (batch.Rows > 0)
            {
                using var last = batch.Build();
                writer.WriteRecordBatch(last);
            }

            writer.WriteEnd();
        }

        return buffer.ToArray();
    }

    /// <summary>The whole stream: its schema (there even when no batch follows) and its batches, which the caller disposes.</summary>
    public static async Task<(Schema Schema, List<RecordBatch> Batches)> ReadAllAsync(Stream input, CancellationToken ct)
    {
        using var reader = new ArrowStreamReader(input, leaveOpen: true);
        var schema = await reader.GetSchema(ct) ?? throw new InvalidDataException("The Arrow stream is empty: it has no schema.");
        var batches = new List<RecordBatch>();
        while (await reader.ReadNextRecordBatchAsync(ct) is { } batch)
        {
            batches.Add(batch);
        }

        return (schema, batches);
    }

    /// <summary>The schema's columns by engine type names, to create a table that holds the rows.</summary>
    public static IReadOnlyList<ColumnSchema> Columns(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return [.. schema.FieldsList.Select(f => new ColumnSchema(f.Name, EngineTypes.FromArrow(f.DataType)))];
    }

    public static Schema SchemaOf(IReadOnlyList<ColumnSchema> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return new Schema(columns.Select(c => new Field(c.Name, EngineTypes.ToArrow(c.Type), nullable: true)), metadata: null);
    }

    /// <summary>
    /// Appends the batch to the engine table named <paramref name="table"/> (as the catalog holds it, unquoted; a temporary
    /// table is found too), whose columns match the batch's in order, and then, when <paramref name="tag"/> is given, one
    /// BIGINT column that takes it in every row. Inside the caller's transaction, if one is open.
    /// </summary>
    public static void AppendTo(DuckDBConnection connection, string table, RecordBatch batch, long? tag = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(batch);
        var columns = Enumerable.Range(0, batch.ColumnCount).Select(batch.Column).ToArray();
        using var appender = connection.CreateAppender(table);
        for (var row = 0; row < batch.Length; row++)
        {
            var cells = appender.CreateRow();
            foreach (var column in columns)
            {
                cells = Append(cells, column, row);
            }

            if (tag is { } value)
            {
                cells = cells.AppendValue(value);
            }

            cells.EndRow();
        }
    }

    /// <summary>One row as plain values: bool, int, long, double, decimal, string, DateOnly, DateTime (unspecified kind), or null.</summary>
    public static object?[] Row(RecordBatch batch, int index)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var row = new object?[batch.ColumnCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = Value(batch.Column(i), index);
        }

        return row;
    }

    public static IEnumerable<object?[]> Rows(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Length; i++)
        {
            yield return Row(batch, i);
        }
    }

    private static object? Value(IArrowArray column, int index) => column.IsNull(index) ? null : column switch
    {
        BooleanArray a => a.GetValue(index),
        Int32Array a => a.GetValue(index),
        Int64Array a => a.GetValue(index),
        DoubleArray a => a.GetValue(index),
        Decimal128Array a => a.GetValue(index),
        StringArray a => a.GetString(index),
        Date32Array a => a.GetDateOnly(index),
        TimestampArray a => a.GetTimestamp(index)?.DateTime,
        _ => throw new NotSupportedException($"Arrow type {column.Data.DataType.Name} is not one rows carry between nodes."),
    };

    private static IDuckDBAppenderRow Append(IDuckDBAppenderRow cells, IArrowArray column, int index) => column.IsNull(index) ? cells.AppendNullValue() : column switch
    {
        BooleanArray a => cells.AppendValue(a.GetValue(index)),
        Int32Array a => cells.AppendValue(a.GetValue(index)),
        Int64Array a => cells.AppendValue(a.GetValue(index)),
        DoubleArray a => cells.AppendValue(a.GetValue(index)),
        Decimal128Array a => cells.AppendValue(a.GetValue(index)),
        StringArray a => cells.AppendValue(a.GetString(index)),
        Date32Array a => cells.AppendValue((DuckDBDateOnly?)DuckDBDateOnly.FromDateOnly(a.GetDateOnly(index)!.Value)),
        TimestampArray a => cells.AppendValue(a.GetTimestamp(index)?.DateTime),
        _ => throw new NotSupportedException($"Arrow type {column.Data.DataType.Name} is not one rows carry between nodes."),
    };

    private static Schema SchemaOf(DbDataReader reader)
    {
        var described = reader.GetSchemaTable();
        var fields = new List<Field>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var name = reader.GetName(i);
            var type = EngineTypes.ForClr(reader.GetFieldType(i), Described(described, i, "NumericPrecision"), Described(described, i, "NumericScale"), name, reader.GetDataTypeName(i));
            fields.Add(new Field(name, type, nullable: true));
        }

        return new Schema(fields, metadata: null);
    }

    private static int? Described(DataTable? table, int ordinal, string property)
        => table is not null && table.Columns.Contains(property) && table.Rows[ordinal][property] is var value and not DBNull and not null
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;
}
