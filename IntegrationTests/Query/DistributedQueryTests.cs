using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// Seed 000's distributed execution, through the gateway: tables spread over three tenant nodes by their partition key,
/// two copies of each partition, queries planned by the cost-based optimizer (pruning, pushdown, co-located and
/// broadcast joins) whose answers equal a single-process reference engine's on the same rows.
/// </summary>
[Collection(QueryCollection.Name)]
[Trait("Category", "query")]
public sealed class DistributedQueryTests(QueryFixture query, ITestOutputHelper output)
{
    private static string NewTable(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    private async Task<SalesData> LoadAsync(string table, long rows, int batches = 2, int seed = 7, string partitionBy = "PARTITION BY HASH (id) PARTITIONS 6")
    {
        await query.QueryAsync($"CREATE TABLE {table} ({SalesData.Columns}) {partitionBy}");
        var data = new SalesData(table, rows, batches, seed);
        for (var i = 0; i < data.Batches.Count; i++)
        {
            await query.LoadAsync(table, data.Batches[i], $"batch-{i}");
        }

        return data;
    }

    private async Task AssertSameAsReferenceAsync(SalesData data, string sql)
    {
        var answer = await query.QueryAsync(sql);
        var expected = data.Reference(sql);
        var actual = SalesData.Rows(answer);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task An_aggregation_runs_on_every_node_with_partials_combined_and_equals_the_reference()
    {
        var table = NewTable("sales");
        using var data = await LoadAsync(table, 60_000);
        var sql = $"""
            SELECT region, count(*) AS n, sum(amount) AS total, avg(qty) AS mean_qty, min(day) AS first, max(amount) AS top,
                   count(DISTINCT product) AS products
            FROM {table} WHERE day >= DATE '2024-03-01' AND qty BETWEEN 2 AND 40
            GROUP BY region HAVING count(*) > 10 ORDER BY total DESC
            """;
        var answer = await query.QueryAsync(sql);
        Assert.Equal(data.Reference(sql), SalesData.Rows(answer));

        var stats = answer.GetProperty("stats");
        Assert.Equal(3, stats.GetProperty("nodes").GetArrayLength());
        Assert.Equal(6, stats.GetProperty("partitionsScanned").GetInt32());
        Assert.Equal(60_000, stats.GetProperty("rowsScanned").GetInt64());
        Assert.Contains("partial aggregate", stats.GetProperty("plan").GetString(), StringComparison.Ordinal);
        Assert.Equal(["region", "n", "total", "mean_qty", "first", "top", "products"], answer.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Filters_projections_top_n_and_global_aggregates_equal_the_reference()
    {
        var table = NewTable("sales");
        using var data = await LoadAsync(table, 20_000, seed: 11);
        string[] queries =
        [
            $"SELECT id, region, amount * qty AS value FROM {table} WHERE region IN ('north', 'east') AND note LIKE 'n1%' ORDER BY value DESC, id LIMIT 25 OFFSET 5",
            $"SELECT count(*), sum(qty), avg(amount), count(DISTINCT region) FROM {table}",
            $"SELECT * FROM {table} WHERE id BETWEEN 100 AND 120 ORDER BY id",
            $"SELECT CASE WHEN amount > 500 THEN 'high' ELSE 'low' END AS band, EXTRACT(YEAR FROM day) AS y, count(*) FROM {table} WHERE note IS NULL GROUP BY 1, 2 ORDER BY 1, 2",
            $"SELECT DISTINCT region FROM {table} ORDER BY region",
            $"SELECT region, sum(qty / 2) AS halves, min(qty % 7) FROM {table} GROUP BY region ORDER BY region", // PostgreSQL's integer division, on the nodes too
            $"SELECT count(*) FROM {table} WHERE id = -1",
            $"SELECT s.region, t.cnt FROM (SELECT region, count(*) AS cnt FROM {table} GROUP BY region) AS t JOIN (SELECT DISTINCT region FROM {table}) AS s ON s.region = t.region ORDER BY 1",
        ];
        foreach (var sql in queries)
        {
            output.WriteLine(sql);
            await AssertSameAsReferenceAsync(data, sql);
        }
    }

    [Fact]
    public async Task An_equality_on_the_hash_key_reads_one_partition_and_a_date_range_prunes_range_partitions()
    {
        var hashed = NewTable("sales");
        using var data = await LoadAsync(hashed, 6_000);
        var point = await query.QueryAsync($"SELECT id, amount FROM {hashed} WHERE id = 4242");
        Assert.Equal(data.Reference($"SELECT id, amount FROM {hashed} WHERE id = 4242"), SalesData.Rows(point));
        Assert.Equal(1, point.GetProperty("stats").GetProperty("partitionsScanned").GetInt32());
        Assert.Single(point.GetProperty("stats").GetProperty("nodes").EnumerateArray());

        var ranged = NewTable("sales");
        using var rangedData = await LoadAsync(ranged, 6_000, partitionBy: "PARTITION BY RANGE (day) VALUES ('2024-07-01', '2025-01-01', '2025-07-01')");
        var sql = $"SELECT count(*), sum(amount) FROM {ranged} WHERE day >= DATE '2025-02-01' AND day < DATE '2025-03-01'";
        var answer = await query.QueryAsync(sql);
        Assert.Equal(rangedData.Reference(sql), SalesData.Rows(answer));
        Assert.Equal(1, answer.GetProperty("stats").GetProperty("partitionsScanned").GetInt32());
        var explain = string.Join('\n', (await query.QueryAsync($"EXPLAIN {sql}")).GetProperty("rows").EnumerateArray().Select(r => r[0].GetString()));
        output.WriteLine(explain);
        Assert.Contains("1 of 4 partitions", explain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retried_batch_is_stored_once()
    {
        var table = NewTable("sales");
        using var data = await LoadAsync(table, 3_000, batches: 1);
        using var again = await query.IngestAsync(table, data.Batches[0], "batch-0");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        var count = await query.QueryAsync($"SELECT count(*) FROM {table}");
        Assert.Equal(3000, count.GetProperty("rows")[0][0].GetInt64());

        var inserted = await query.QueryAsync($"INSERT INTO {table} (id, region, product, amount, qty, day) VALUES (900001, 'north', 1, 2.50, 3, DATE '2024-05-05'), (900002, 'south', 2, 1, 1, '2024-05-06')");
        Assert.Equal("INSERT 0 2", inserted.GetProperty("command").GetString());
        var after = await query.QueryAsync($"SELECT count(*), sum(CASE WHEN id > 900000 THEN amount END) FROM {table}");
        Assert.Equal(3002, after.GetProperty("rows")[0][0].GetInt64());
        Assert.Equal(3.50m, after.GetProperty("rows")[0][1].GetDecimal());
    }

    [Fact]
    public async Task Invalid_sql_unknown_tables_and_bad_rows_are_400_problems_naming_where()
    {
        using var typo = await query.SendAsync("SELECT region,\n  count(*)\nFORM sales");
        var problem = await typo.AssertProblemAsync(400, "invalid-query");
        Assert.Equal(3, problem.GetProperty("line").GetInt32()); // FORM reads as count(*)'s alias, as in PostgreSQL: the error is at "sales"
        Assert.Equal(6, problem.GetProperty("column").GetInt32());
        Assert.Contains("\"sales\"", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var unknown = await query.SendAsync("SELECT * FROM no_such_table");
        var missing = await unknown.AssertProblemAsync(400, "invalid-query");
        Assert.Contains("relation \"no_such_table\" does not exist", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(15, missing.GetProperty("column").GetInt32());

        var table = NewTable("sales");
        await query.QueryAsync($"CREATE TABLE {table} ({SalesData.Columns})");
        using var badRow = await query.IngestAsync(table, "id,region,product,amount,qty,day,note\n1,north,1,1.00,1,2024-01-01,x\n2,south,two,1.00,1,2024-01-01,y\n", "bad");
        var refused = await badRow.AssertProblemAsync(400, "validation");
        Assert.Contains("Row 2, column \"product\"", refused.GetProperty("errors").GetProperty("rows")[0].GetString(), StringComparison.Ordinal);
        var count = await query.QueryAsync($"SELECT count(*) FROM {table}");
        Assert.Equal(0, count.GetProperty("rows")[0][0].GetInt64());

        using var twice = await query.SendAsync($"CREATE TABLE {table} (id BIGINT)");
        await twice.AssertProblemAsync(409);
    }
}
