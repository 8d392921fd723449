using System.Text.Json;
using nietras.SeparatedValues;
using Platform.Query.Catalog;
using Platform.Query.Planning;

namespace Platform.Query.Api;

/// <summary>
/// Rows of an ingest request as values of the table's columns: CSV with a header row naming the columns (any order;
/// an empty field is NULL) or NDJSON, one object per line. A bad value fails the whole batch, naming the row and column.
/// </summary>
public static class RowFormats
{
    public static async Task<List<object?[]>> ReadCsvAsync(TableInfo table, Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        using var reader = Sep.New(',').Reader(o => o with { HasHeader = true, Unescape = true }).From(buffer);
        var positions = Positions(table, reader.Header.ColNames);
        var rows = new List<object?[]>();
        foreach (var row in reader)
        {
            var values = new object?[table.Columns.Count];
            for (var i = 0; i < positions.Length; i++)
            {
                var text = row[i].ToString();
                values[positions[i]] = text.Length == 0 ? null : Value(table, positions[i], text, rows.Count + 1);
            }

            rows.Add(Checked(table, values, rows.Count + 1));
        }

        return rows;
    }

    public static async Task<List<object?[]>> ReadNdjsonAsync(TableInfo table, Stream body, CancellationToken cancellationToken)
    {
        using var text = new StreamReader(body);
        var rows = new List<object?[]>();
        while (await text.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var values = new object?[table.Columns.Count];
            try
            {
                using var document = JsonDocument.Parse(line);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    var index = Index(table, property.Name);
                    values[index] = property.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => Value(table, index, property.Value.GetString()!, rows.Count + 1),
                        _ => Value(table, index, property.Value.GetRawText(), rows.Count + 1),
                    };
                }
            }
            catch (JsonException e)
            {
                throw new FormatException($"Row {rows.Count + 1}: not a JSON object ({e.Message}).", e);
            }
            catch (InvalidOperationException e)
            {
                throw new FormatException($"Row {rows.Count + 1}: not a JSON object.", e);
            }

            rows.Add(Checked(table, values, rows.Count + 1));
        }

        return rows;
    }

    private static int[] Positions(TableInfo table, IReadOnlyList<string> names) => [.. names.Select(n => Index(table, n.Trim()))];

    private static int Index(TableInfo table, string name)
    {
        var index = table.IndexOf(name);
        return index >= 0 ? index : throw new FormatException($"Table \"{table.Name}\" has no column \"{name}\".");
    }

    private static object Value(TableInfo table, int column, string text, int row)
    {
        try
        {
            return Values.Parse(table.Columns[column].Type, text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Row {row}, column \"{table.Columns[column].Name}\": {e.Message}", e);
        }
    }

    private static object?[] Checked(TableInfo table, object?[] values, int row) => values[table.KeyIndex] is null
        ? throw new FormatException($"Row {row}: the partition column \"{table.PartitionColumn}\" may not be NULL.")
        : values;
}
