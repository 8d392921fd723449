using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// The optimizer's choices (co-located and broadcast joins, cheaper than gathering every row) checked on the plan's
/// shape as well as the answer; tenant isolation on the operation node, in the catalog and on the nodes themselves; tokens
/// refused by every query service; a tenant node killed under a query; the catalog service down.
/// </summary>
[Collection(QueryCollection.Name)]
[Trait("Category", "query")]
public sealed class QueryPlanAndFailureTests(QueryFixture query, ITestOutputHelper output)
{
    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private async Task<string> ExplainAsync(string sql)
    {
        var plan = string.Join('\n', (await query.QueryAsync($"EXPLAIN {sql}")).GetProperty("rows").EnumerateArray().Select(r => r[0].GetString()));
        output.WriteLine(plan);
        return plan;
    }

    [Fact]
    public async Task Joins_of_tables_hashed_alike_run_where_they_lie_and_a_small_table_is_broadcast_at_a_cost_below_the_naive_plan()
    {
        var s = Suffix();
        await query.QueryAsync($"CREATE TABLE orders_{s} (o_orderkey BIGINT, o_custkey BIGINT, o_orderdate DATE) PARTITION BY HASH (o_orderkey) PARTITIONS 6");
        await query.QueryAsync($"CREATE TABLE lines_{s} (l_orderkey BIGINT, l_qty INTEGER, l_price DECIMAL(12,2)) PARTITION BY HASH (l_orderkey) PARTITIONS 6");
        await query.QueryAsync($"CREATE TABLE customers_{s} (c_custkey BIGINT, c_segment VARCHAR) PARTITION BY HASH (c_custkey) PARTITIONS 3");
        var orders = Enumerable.Range(1, 3000).Select(i => $"{i},{(i % 200) + 1},2024-{(i % 12) + 1:00}-15");
        var lines = Enumerable.Range(1, 3000).SelectMany(i => Enumerable.Range(1, 1 + (i % 4)).Select(k => $"{i},{k},{(i * k % 97) + 0.5}"));
        var customers = Enumerable.Range(1, 200).Select(i => $"{i},{(i % 3 == 0 ? "BUILDING" : "MACHINERY")}");
        foreach (var (table, header, body) in new[] { ($"orders_{s}", "o_orderkey,o_custkey,o_orderdate", orders), ($"lines_{s}", "l_orderkey,l_qty,l_price", lines), ($"customers_{s}", "c_custkey,c_segment", customers) })
        {
            await query.LoadAsync(table, QueryFixture.Csv(header, body));
        }

        var sql = $"""
            SELECT c.c_segment, count(*) AS line_count, sum(l.l_price * l.l_qty) AS revenue
            FROM customers_{s} c JOIN orders_{s} o ON c.c_custkey = o.o_custkey JOIN lines_{s} l ON l.l_orderkey = o.o_orderkey
            WHERE o.o_orderdate < DATE '2024-07-01'
            GROUP BY c.c_segment ORDER BY c.c_segment
            """;
        var plan = await ExplainAsync(sql);
        Assert.StartsWith("Distributed plan: broadcast join", plan, StringComparison.Ordinal);
        Assert.Contains($"co-located join: orders_{s} with lines_{s}", plan, StringComparison.Ordinal);
        Assert.Contains($"broadcast join: customers_{s}", plan, StringComparison.Ordinal);
        var costs = System.Text.RegularExpressions.Regex.Match(plan, @"cost ([\d.]+)(k|M)?; naive plan, every row gathered: ([\d.]+)(k|M)?");
        Assert.True(costs.Success, plan);
        double Value(int number, int unit) => double.Parse(costs.Groups[number].Value, System.Globalization.CultureInfo.InvariantCulture) * (costs.Groups[unit].Value switch { "k" => 1e3, "M" => 1e6, _ => 1 });
        Assert.True(Value(1, 2) < Value(3, 4), plan);

        // The answer, against the same join computed from the rows in the test.
        var answer = await query.QueryAsync(sql);
        var segments = Enumerable.Range(1, 200).ToDictionary(i => (long)i, i => i % 3 == 0 ? "BUILDING" : "MACHINERY");
        var expected = Enumerable.Range(1, 3000).Where(i => (i % 12) + 1 < 7)
            .SelectMany(i => Enumerable.Range(1, 1 + (i % 4)).Select(k => (Segment: segments[(i % 200) + 1], Revenue: (((i * k) % 97) + 0.5m) * k)))
            .GroupBy(x => x.Segment).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}|{g.Count()}|{g.Sum(x => x.Revenue):0.00}").ToList();
        Assert.Equal(expected, answer.GetProperty("rows").EnumerateArray().Select(r => $"{r[0].GetString()}|{r[1].GetInt64()}|{r[2].GetDecimal():0.00}"));
    }

    [Fact]
    public async Task Revenue_per_customer_is_aggregated_on_the_nodes_before_the_customers_are_joined_once_on_the_operation_node()
    {
        var s = Suffix();
        await query.QueryAsync($"CREATE TABLE orders_{s} (o_orderkey BIGINT, o_custkey BIGINT, o_orderdate DATE) PARTITION BY HASH (o_orderkey) PARTITIONS 6");
        await query.QueryAsync($"CREATE TABLE lines_{s} (l_orderkey BIGINT, l_qty INTEGER, l_price DECIMAL(12,2)) PARTITION BY HASH (l_orderkey) PARTITIONS 6");
        await query.QueryAsync($"CREATE TABLE customers_{s} (c_custkey BIGINT, c_name VARCHAR, c_address VARCHAR) PARTITION BY HASH (c_custkey) PARTITIONS 3");
        static long Customer(int order) => (order * 7 % 3000) + 1;
        var orders = Enumerable.Range(1, 6000).Select(i => $"{i},{Customer(i)},2024-{(i % 12) + 1:00}-15");
        var lines = Enumerable.Range(1, 6000).SelectMany(i => Enumerable.Range(1, 1 + (i % 3)).Select(k => $"{i},{k},{((i * k) % 89) + 0.25}"));
        var customers = Enumerable.Range(1, 3000).Select(i => $"{i},Customer#{i:0000},Suite {i % 100} Long Street {i}");
        foreach (var (table, header, body) in new[] { ($"orders_{s}", "o_orderkey,o_custkey,o_orderdate", orders), ($"lines_{s}", "l_orderkey,l_qty,l_price", lines), ($"customers_{s}", "c_custkey,c_name,c_address", customers) })
        {
            await query.LoadAsync(table, QueryFixture.Csv(header, body));
        }

        var sql = $"""
            SELECT c_custkey, c_name, c_address, count(*) AS line_count, sum(l_price * l_qty) AS revenue, avg(l_qty) AS avg_qty
            FROM customers_{s} c JOIN orders_{s} o ON c.c_custkey = o.o_custkey JOIN lines_{s} l ON l.l_orderkey = o.o_orderkey
            WHERE o.o_orderdate >= DATE '2024-04-01' AND c.c_custkey % 2 = 0
            GROUP BY c_custkey, c_name, c_address ORDER BY revenue DESC, c_custkey LIMIT 15
            """;
        var plan = await ExplainAsync(sql);
        Assert.StartsWith("Distributed plan: aggregate, then join", plan, StringComparison.Ordinal);
        Assert.Contains($"co-located join: orders_{s} with lines_{s}", plan, StringComparison.Ordinal);
        Assert.Contains("partial aggregate by \"o\".\"o_custkey\"", plan, StringComparison.Ordinal); // the nodes group by the join key, not by the customers' columns
        Assert.Contains($"scan customers_{s} (3 columns)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("with broadcast", plan, StringComparison.Ordinal); // the customers go to the operation node once, to no node

        var answer = await query.QueryAsync(sql);
        var expected = Enumerable.Range(1, 6000).Where(i => (i % 12) + 1 >= 4 && Customer(i) % 2 == 0)
            .SelectMany(i => Enumerable.Range(1, 1 + (i % 3)).Select(k => (Customer: Customer(i), Qty: k, Price: ((i * k) % 89) + 0.25m)))
            .GroupBy(x => x.Customer)
            .Select(g => (Customer: g.Key, Lines: g.Count(), Revenue: g.Sum(x => x.Price * x.Qty), Average: g.Average(x => (double)x.Qty)))
            .OrderByDescending(g => g.Revenue).ThenBy(g => g.Customer).Take(15)
            .Select(g => $"{g.Customer}|Customer#{g.Customer:0000}|Suite {g.Customer % 100} Long Street {g.Customer}|{g.Lines}|{g.Revenue:0.00}|{g.Average:0.000}").ToList();
        Assert.Equal(expected, answer.GetProperty("rows").EnumerateArray()
            .Select(r => $"{r[0].GetInt64()}|{r[1].GetString()}|{r[2].GetString()}|{r[3].GetInt64()}|{r[4].GetDecimal():0.00}|{r[5].GetDouble():0.000}"));
        Assert.Equal(["c_custkey", "c_name", "c_address", "line_count", "revenue", "avg_qty"], answer.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Small_tables_reduce_each_other_before_they_are_broadcast_and_the_answer_is_unchanged()
    {
        var s = Suffix();
        await query.QueryAsync($"CREATE TABLE orders_{s} (o_orderkey BIGINT, o_custkey BIGINT) PARTITION BY HASH (o_orderkey) PARTITIONS 6");
        await query.QueryAsync($"CREATE TABLE lines_{s} (l_orderkey BIGINT, l_suppkey BIGINT, l_price DECIMAL(12,2)) PARTITION BY HASH (l_orderkey) PARTITIONS 6");
        await query.QueryAsync($"CREATE TABLE customers_{s} (c_custkey BIGINT, c_nation INTEGER) PARTITION BY HASH (c_custkey) PARTITIONS 3");
        await query.QueryAsync($"CREATE TABLE suppliers_{s} (s_suppkey BIGINT, s_nation INTEGER) PARTITION BY HASH (s_suppkey) PARTITIONS 3");
        await query.QueryAsync($"CREATE TABLE nations_{s} (n_nation INTEGER, n_region VARCHAR) PARTITION BY HASH (n_nation) PARTITIONS 1");
        static long Customer(int order) => (order * 7 % 3000) + 1;
        static long Supplier(int order, int line) => ((order * line) % 100) + 1;
        var data = new[]
        {
            ($"orders_{s}", "o_orderkey,o_custkey", Enumerable.Range(1, 6000).Select(i => $"{i},{Customer(i)}")),
            ($"lines_{s}", "l_orderkey,l_suppkey,l_price", Enumerable.Range(1, 6000).SelectMany(i => Enumerable.Range(1, 1 + (i % 3)).Select(k => $"{i},{Supplier(i, k)},{((i * k) % 89) + 0.25}"))),
            ($"customers_{s}", "c_custkey,c_nation", Enumerable.Range(1, 3000).Select(i => $"{i},{i % 10}")),
            ($"suppliers_{s}", "s_suppkey,s_nation", Enumerable.Range(1, 100).Select(i => $"{i},{i % 10}")),
            ($"nations_{s}", "n_nation,n_region", Enumerable.Range(0, 10).Select(i => $"{i},{(i < 2 ? "ASIA" : "EUROPE")}")),
        };
        foreach (var (table, header, rows) in data)
        {
            await query.LoadAsync(table, QueryFixture.Csv(header, rows));
        }

        // TPC-H Q5's shape: customers and suppliers of the same nation, the nation in one region.
        var sql = $"""
            SELECT n_nation, count(*) AS line_count, sum(l_price) AS revenue
            FROM customers_{s}, orders_{s}, lines_{s}, suppliers_{s}, nations_{s}
            WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nation = s_nation AND s_nation = n_nation AND n_region = 'ASIA'
            GROUP BY n_nation ORDER BY n_nation
            """;
        var plan = await ExplainAsync(sql);
        Assert.StartsWith("Distributed plan: broadcast join", plan, StringComparison.Ordinal);
        Assert.Contains($"semi-join reduction before the broadcast: customers_{s} keeps the rows suppliers_{s} joins on c_nation = s_nation", plan, StringComparison.Ordinal);
        var analyzed = string.Join('\n', (await query.QueryAsync($"EXPLAIN ANALYZE {sql}")).GetProperty("rows").EnumerateArray().Select(r => r[0].GetString()));
        output.WriteLine(analyzed);
        // 8 of the 10 nations are not in ASIA: their 2 400 customers and 80 suppliers never travel to the nodes.
        var reduced = System.Text.RegularExpressions.Regex.Matches(analyzed, @"(__g\d+): (\d+) rows reduced away").ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(2400L, reduced.Values);
        Assert.Contains(80L, reduced.Values);

        var answer = await query.QueryAsync(sql);
        var expected = Enumerable.Range(1, 6000)
            .SelectMany(i => Enumerable.Range(1, 1 + (i % 3)).Select(k => (Nation: Customer(i) % 10, SupplierNation: Supplier(i, k) % 10, Price: ((i * k) % 89) + 0.25m)))
            .Where(x => x.Nation == x.SupplierNation && x.Nation < 2)
            .GroupBy(x => x.Nation).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}|{g.Count()}|{g.Sum(x => x.Price):0.00}").ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, answer.GetProperty("rows").EnumerateArray().Select(r => $"{r[0].GetInt64()}|{r[1].GetInt64()}|{r[2].GetDecimal():0.00}"));
    }

    [Fact]
    public async Task Another_tenant_sees_no_table_through_the_operation_node_nor_in_the_catalog_nor_on_the_nodes()
    {
        var table = $"secret_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v VARCHAR) PARTITION BY HASH (id) PARTITIONS 3");
        await query.QueryAsync($"INSERT INTO {table} VALUES (1, 'mine'), (2, 'also mine')");

        using var viaGateway = await query.SendAsync($"SELECT * FROM {table}", query.OtherTenant.AccessToken);
        await viaGateway.AssertProblemAsync(400);

        // The catalog service asked directly: the owner finds the table's partitions, the other tenant nothing.
        using (var owner = await query.CatalogAsync(table, query.User.AccessToken))
        {
            Assert.Equal(3, (await owner.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single().GetProperty("partitionList").GetArrayLength());
        }

        using (var other = await query.CatalogAsync(table, query.OtherTenant.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Empty((await other.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        }

        // Straight at every node, with a fragment naming the partition tables: the owner reads them where they lie; the
        // other tenant's database has none of them, on any node.
        var ownerReads = 0;
        for (var node = 0; node < 3; node++)
        {
            foreach (var partition in new[] { 0, 1, 2 })
            {
                var sql = $"SELECT * FROM \"{table}__p{partition}\"";
                using (var owner = await query.FragmentAsync(node, sql, query.User.AccessToken))
                {
                    ownerReads += owner.IsSuccessStatusCode ? 1 : 0;
                }

                using var other = await query.FragmentAsync(node, sql, query.OtherTenant.AccessToken);
                var problem = await other.AssertProblemAsync(400, "invalid-query");
                Assert.Contains("does not exist", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.True(ownerReads >= 2, $"the owner read its partitions straight from the nodes {ownerReads} times"); // two rows: at least one partition, on two nodes

        var mine = await query.QueryAsync($"SELECT count(*) FROM {table}");
        Assert.Equal(2, mine.GetProperty("rows")[0][0].GetInt64());
    }

    [Fact]
    public async Task A_forged_token_is_refused_by_the_operation_node_the_catalog_and_every_tenant_node()
    {
        var forged = query.User.AccessToken[..^4] + (query.User.AccessToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using var viaGateway = await query.SendAsync("SELECT 1", forged);
        await viaGateway.AssertProblemAsync(401);
        using var catalog = await query.CatalogAsync("any", forged);
        await catalog.AssertProblemAsync(401);
        for (var node = 0; node < 3; node++)
        {
            using var response = await query.FragmentAsync(node, "SELECT 1", forged);
            await response.AssertProblemAsync(401);
        }
    }

    [Fact]
    public async Task A_killed_node_s_fragments_go_to_the_replicas_and_with_both_copies_down_the_error_names_the_partitions()
    {
        var table = $"resilient_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
        await query.LoadAsync(table, QueryFixture.Csv("id,v", Enumerable.Range(1, 5000).Select(i => $"{i},{i % 10}")));

        var sql = $"SELECT v, count(*) FROM {table} GROUP BY v ORDER BY v";
        var before = await query.QueryAsync(sql);
        await query.Commands.KillAsync("nodes-1");
        try
        {
            var during = await query.QueryAsync(sql);
            Assert.Equal(before.GetProperty("rows").ToString(), during.GetProperty("rows").ToString());
            Assert.DoesNotContain("nodes-1", during.GetProperty("stats").GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));

            await query.Commands.KillAsync("nodes-2");
            using var neither = await query.SendAsync(sql);
            var problem = await neither.AssertProblemAsync(503);
            Assert.Contains($"{table}[1]", problem.GetProperty("detail").GetString(), StringComparison.Ordinal); // partition 1 lives on nodes 1 and 2
        }
        finally
        {
            await query.Commands.StartAsync("nodes-1");
            await query.Commands.StartAsync("nodes-2");
        }

        var after = await Eventually.ReturnsAsync(() => query.SendAsync(sql), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the nodes back");
        Assert.Equal(before.GetProperty("rows").ToString(), (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rows").ToString());
    }

    [Fact]
    public async Task With_the_catalog_service_down_a_query_and_an_ingest_are_refused_with_503_and_nothing_is_stored()
    {
        var table = $"cataloged_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 3");
        await query.LoadAsync(table, QueryFixture.Csv("id,v", Enumerable.Range(1, 100).Select(i => $"{i},1")));
        var sql = $"SELECT count(*), sum(v) FROM {table}";

        await query.Commands.KillAsync("query-catalog");
        try
        {
            using var refused = await query.SendAsync(sql);
            Assert.Contains("catalog", (await refused.AssertProblemAsync(503)).GetProperty("detail").GetString(), StringComparison.Ordinal);
            using var ingest = await query.IngestAsync(table, QueryFixture.Csv("id,v", ["1000,5"]), "while-catalog-down");
            await ingest.AssertProblemAsync(503);
        }
        finally
        {
            await query.Commands.StartAsync("query-catalog");
        }

        Assert.Equal("[[100,100]]", (await query.QueryAsync(sql)).GetProperty("rows").ToString()); // the refused batch is nowhere
    }
}
