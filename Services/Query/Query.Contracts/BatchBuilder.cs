using Apache.Arrow;

namespace Platform.Query.Contracts;

/// <summary>Rows of plain values gathered into record batches of at most <see cref="ArrowRows.BatchRows"/> rows.</summary>
internal sealed class BatchBuilder(Schema schema)
{
    private readonly ColumnBuilder[] columns = [.. schema.FieldsList.Select(f => ColumnBuilder.For(f.DataType))];

    public int Rows { get; private set; }

    public bool IsFull => Rows >= ArrowRows.BatchRows;

    public void Append(IReadOnlyList<object?> row)
    {
        if (row.Count != columns.Length)
        {
            throw new ArgumentException($"A row has {row.Count} values; the columns are {columns.Length}.", nameof(row));
        }

        for (var i = 0; i < columns.Length; i++)
        {
            try
            {
                columns[i].Append(row[i]);
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
            {
                var field = schema.FieldsList[i];
                throw new FormatException($"The value '{row[i]}' of column '{field.Name}' is not a {EngineTypes.FromArrow(field.DataType)}: {e.Message}", e);
            }
        }

        Rows++;
    }

    /// <summary>The rows appended since the last build, as one batch; the builder starts empty again.</summary>
    public RecordBatch Build()
    {
        var batch = new RecordBatch(schema, columns.Select(c => c.Build()), Rows);
        Rows = 0;
        return batch;
    }
}
