using DuckDB.NET.Data;

namespace Platform.Query.Contracts;

/// <summary>A query's result columns as the engine binds them, before it runs; exact even for a result that will be empty.</summary>
public static class ResultColumns
{
    /// <summary>
    /// The columns <paramref name="query"/> returns, by engine type names; a result type outside <see cref="EngineTypes"/>'
    /// vocabulary throws <see cref="NotSupportedException"/> naming the column. An invalid query throws the engine's error.
    /// </summary>
    public static async Task<IReadOnlyList<ColumnSchema>> DescribeAsync(DuckDBConnection connection, string query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = "DESCRIBE " + query;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var columns = new List<ColumnSchema>();
        while (await reader.ReadAsync(ct))
        {
            var (name, type) = (reader.GetString(0), reader.GetString(1));
            try
            {
                columns.Add(new ColumnSchema(name, EngineTypes.Normalize(type)));
            }
            catch (ArgumentException e)
            {
                throw new NotSupportedException($"Column '{name}' is of type {type}, which rows between nodes cannot carry; cast it to BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE or TIMESTAMP.", e);
            }
        }

        return columns;
    }
}
