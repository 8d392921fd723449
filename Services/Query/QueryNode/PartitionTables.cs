using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>
/// How partitions live in a tenant's database: partition <c>p</c> of table <c>t</c> is the table <c>t__pp</c>, and the
/// ledger <c>__batches</c> remembers which ingest batches each partition has taken, numbered in the order they came.
/// Each row carries its batch's number in a last column, <c>__batch</c> (no fragment reads it: a fragment's tables name their
/// columns), so a copy that missed batches can be sent exactly those. Table names are lower-cased, as the engine
/// matches names without regard to case and the ledger must key them the same way.
/// </summary>
internal static partial class PartitionTables
{
    public const string Ledger = "__batches";

    public const string BatchColumn = "__batch";

    public const string CreateLedger = $"CREATE TABLE IF NOT EXISTS {Ledger}(table_name VARCHAR, partition INTEGER, batch_id VARCHAR, seq BIGINT NOT NULL, PRIMARY KEY (table_name, partition, batch_id))";

    private const string Catalog = "database_name = current_database() AND schema_name = 'main'";

    /// <summary>A table or relation name a request may use: letters, digits and underscores, not starting with a digit.</summary>
    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static string Name(string table, int partition) => $"{table.ToLowerInvariant()}__p{partition}";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string CreateSql(string name, IEnumerable<ColumnSchema> columns, bool temporary = false)
        => $"CREATE {(temporary ? "TEMP " : "")}TABLE {Quote(name)} ({string.Join(", ", columns.Select(c => $"{Quote(c.Name)} {EngineTypes.Normalize(c.Type)}"))})";

    /// <summary>A partition's table: the columns, then the batch number of each row.</summary>
    public static string CreatePartitionSql(string name, IEnumerable<ColumnSchema> columns) => CreateSql(name, [.. columns, new ColumnSchema(BatchColumn, "BIGINT")]);

    /// <summary>The columns of the partition table <paramref name="name"/> (its batch numbers aside), by engine type names; null when there is no such table.</summary>
    public static async Task<IReadOnlyList<ColumnSchema>?> ColumnsAsync(DuckDBConnection connection, string name, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT column_name, data_type FROM duckdb_columns() WHERE {Catalog} AND table_name = $1 AND column_name <> '{BatchColumn}' ORDER BY column_index";
        command.Parameters.Add(new DuckDBParameter(name));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var columns = new List<ColumnSchema>();
        while (await reader.ReadAsync(ct))
        {
            columns.Add(new ColumnSchema(reader.GetString(0), reader.GetString(1)));
        }

        return columns.Count == 0 ? null : columns;
    }

    /// <summary>Every table of the tenant's database (partitions and the ledger), by name.</summary>
    public static HashSet<string> Existing(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT table_name FROM duckdb_tables() WHERE {Catalog}";
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>The names of the partitions of <paramref name="table"/> the database holds.</summary>
    public static IReadOnlyList<string> OfTable(DuckDBConnection connection, string table)
    {
        var prefix = table.ToLowerInvariant() + "__p";
        return [.. Existing(connection).Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && n.Length > prefix.Length && n[prefix.Length..].All(char.IsAsciiDigit))];
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex NamePattern();
}
