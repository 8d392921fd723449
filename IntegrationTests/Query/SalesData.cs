using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// A deterministic sales table for the SQL tests, as CSV batches for the ingest endpoint, and the same rows in an
/// embedded single-process DuckDB as the reference engine whose answers the distributed ones must equal.
/// </summary>
public sealed class SalesData : IDisposable
{
    public const string Columns = "id BIGINT, region VARCHAR, product INTEGER, amount DECIMAL(12,2), qty INTEGER, day DATE, note VARCHAR";

    private static readonly string[] Regions = ["north", "south", "east", "west", "central"];
    private readonly DuckDBConnection _reference = new("DataSource=:memory:");

    public SalesData(string table, long rows, int batches, int seed)
    {
        Table = table;
        _reference.Open();
        Execute("SET integer_division = true"); // the dialect's (PostgreSQL's) 7 / 2 = 3
        Execute($"CREATE TABLE \"{table}\" ({Columns})");
        var random = new Random(seed);
        var perBatch = (rows + batches - 1) / batches;
        for (long start = 0; start < rows; start += perBatch)
        {
            var csv = new StringBuilder("id,region,product,amount,qty,day,note\n");
            using var appender = _reference.CreateAppender(table);
            for (var id = start; id < Math.Min(rows, start + perBatch); id++)
            {
                var region = Regions[random.Next(Regions.Length)];
                var product = random.Next(1, 500);
                var amount = Math.Round((decimal)random.NextDouble() * 1000, 2);
                var qty = random.Next(1, 50);
                var day = new DateOnly(2024, 1, 1).AddDays(random.Next(0, 730));
                string? note = random.Next(10) == 0 ? null : $"n{random.Next(1000)}";
                csv.Append(CultureInfo.InvariantCulture, $"{id},{region},{product},{amount.ToString(CultureInfo.InvariantCulture)},{qty},{day:yyyy-MM-dd},{note}\n");
                appender.CreateRow().AppendValue(id).AppendValue(region).AppendValue(product).AppendValue(amount).AppendValue(qty).AppendValue(day).AppendValue(note).EndRow();
            }

            Batches.Add(csv.ToString());
        }
    }

    public string Table { get; }

    public List<string> Batches { get; } = [];

    /// <summary>The reference engine's answer to a query, each row printed as the distributed answer's JSON is compared.</summary>
    public List<string> Reference(string sql)
    {
        using var command = _reference.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(Row(Enumerable.Range(0, reader.FieldCount).Select(reader.GetValue)));
        }

        return rows;
    }

    /// <summary>The rows of a distributed answer, printed the same way.</summary>
    public static List<string> Rows(JsonElement answer)
        => [.. answer.GetProperty("rows").EnumerateArray().Select(r => Row(r.EnumerateArray().Select(v => v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number => v.GetDecimal(),
            JsonValueKind.True => true,
            JsonValueKind.False => (object?)false,
            _ => v.GetString(),
        })))];

    /// <summary>A row printed for comparison across engines and clients.</summary>
    public static string Row(IEnumerable<object?> values) => string.Join("|", values.Select(Canonical));

    /// <summary>Numbers to 6 significant digits (sums of decimals and averages differ in their last bits between engines), dates as ISO.</summary>
    private static string Canonical(object? value) => value switch
    {
        null or DBNull => "NULL",
        double or float or decimal or long or int or System.Numerics.BigInteger => double.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture).ToString("G6", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "NULL",
    };

    private void Execute(string sql)
    {
        using var command = _reference.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _reference.Dispose();
}
