using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Platform.Hosting.Processes;
using Platform.IntegrationTests.Infrastructure;
using Platform.IntegrationTests.Performance;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// Seed 000's end-to-end flows: sign in, ingest a million rows across the nodes, run a complex aggregation whose answer
/// equals the reference engine's, with its figures; sign out, and the token is refused by the operation node and every
/// tenant node, every service staying under 2 GB meanwhile. Also 50 and 100 concurrent queries and a query past its budget.
/// </summary>
[Collection(QueryCollection.Name)]
[Trait("Category", "query")]
public sealed class QueryFlowTests(QueryFixture query, ITestOutputHelper output)
{
    private static readonly string[] Services = ["query", "query-catalog", "nodes-0", "nodes-1", "nodes-2"];

    [Fact]
    public async Task The_complete_read_flow_over_a_million_rows_equals_the_reference_and_logging_out_revokes_the_token_everywhere()
    {
        var (_, user, _) = await query.Gateway.SignUpAsync();
        var table = $"facts_{Guid.NewGuid():N}"[..16];
        Assert.Equal("CREATE TABLE", (await query.QueryAsync($"CREATE TABLE {table} ({SalesData.Columns}) PARTITION BY HASH (id) PARTITIONS 12", user.AccessToken))
            .GetProperty("command").GetString());
        using var data = new SalesData(table, 1_000_000, batches: 8, seed: 2026);
        var peaks = new List<(string Replica, PeakMemory Peak)>();
        foreach (var service in Services)
        {
            foreach (var replica in await query.Commands.ReplicasAsync(service))
            {
                peaks.Add((replica, new PeakMemory(ProcessCommands.ProcessId(await query.Commands.SnapshotAsync(replica)) ?? throw new InvalidOperationException($"{replica} has no process id."))));
            }
        }

        try
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < data.Batches.Count; i++)
            {
                await query.LoadAsync(table, data.Batches[i], $"b{i}", user.AccessToken);
            }

            output.WriteLine($"ingest of 1M rows in 8 batches: {clock.Elapsed.TotalSeconds:0.0} s");
            var sql = $"""
                SELECT region, EXTRACT(YEAR FROM day) AS year, count(*) AS sales, sum(amount * qty) AS revenue, avg(amount) AS mean,
                       count(DISTINCT product) AS products, max(day) AS last_day
                FROM {table}
                WHERE qty > 3 AND note IS NOT NULL
                GROUP BY region, EXTRACT(YEAR FROM day)
                HAVING sum(qty) > 1000
                ORDER BY revenue DESC
                """;
            clock.Restart();
            var answer = await query.QueryAsync(sql, user.AccessToken);
            output.WriteLine($"aggregation over 1M rows: {clock.ElapsedMilliseconds} ms (server {answer.GetProperty("stats").GetProperty("elapsedMs").GetDouble()} ms)");
            Assert.Equal(data.Reference(sql), SalesData.Rows(answer));
            var stats = answer.GetProperty("stats");
            Assert.Equal(1_000_000, stats.GetProperty("rowsScanned").GetInt64());
            Assert.Equal(3, stats.GetProperty("nodes").GetArrayLength());
            Assert.True(stats.GetProperty("elapsedMs").GetDouble() > 0);
            Assert.Contains("partial aggregate", stats.GetProperty("plan").GetString(), StringComparison.Ordinal);
            foreach (var (replica, peak) in peaks)
            {
                var megabytes = peak.Stop();
                output.WriteLine($"{replica}: peak {megabytes:0} MiB resident while a million rows went in and were aggregated");
                Assert.InRange(megabytes, 1, 2048); // the seed's "under 2 GB per service"
            }
        }
        finally
        {
            peaks.ForEach(p => p.Peak.Dispose()); // the samplers stop also when an assertion above failed
        }

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        logout.Headers.Authorization = new("Bearer", user.AccessToken);
        using var loggedOut = await query.Gateway.SendAsync(logout);
        Assert.Equal(HttpStatusCode.NoContent, loggedOut.StatusCode);
        using var refused = await query.SendAsync($"SELECT count(*) FROM {table}", user.AccessToken);
        await refused.AssertProblemAsync(401);
        for (var node = 0; node < 3; node++)
        {
            using var response = await query.FragmentAsync(node, "SELECT 1", user.AccessToken);
            var problem = await response.AssertProblemAsync(401);
            Assert.Contains("revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var catalog = await query.CatalogAsync(table, user.AccessToken);
        Assert.Contains("revoked", (await catalog.AssertProblemAsync(401)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(100)]
    public async Task Concurrent_queries_all_answer_and_each_answer_is_right(int clients)
    {
        var table = $"busy_{Guid.NewGuid():N}"[..16];
        await query.QueryAsync($"CREATE TABLE {table} ({SalesData.Columns}) PARTITION BY HASH (id) PARTITIONS 6");
        using var data = new SalesData(table, 20_000, batches: 1, seed: clients);
        await query.LoadAsync(table, data.Batches[0]);

        string Sql(int i) => i % 2 == 0
            ? $"SELECT region, count(*), sum(amount) FROM {table} WHERE product = {(i % 400) + 1} GROUP BY region ORDER BY region"
            : $"SELECT id, amount FROM {table} WHERE id = {i * 97}";
        var answers = new System.Text.Json.JsonElement[clients];
        var load = await Load.RunAsync(clients, 1, async (client, _) =>
        {
            answers[client] = await query.QueryAsync(Sql(client));
            return HttpStatusCode.OK; // QueryAsync fails the test on any other answer
        });
        output.WriteLine($"{clients} concurrent queries: {load}");
        for (var i = 0; i < clients; i++)
        {
            Assert.Equal(data.Reference(Sql(i)), SalesData.Rows(answers[i]));
        }
    }

    [Fact]
    public async Task A_query_past_its_budget_is_a_504_and_the_system_answers_the_next_one()
    {
        var table = $"slow_{Guid.NewGuid():N}"[..16];
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v BIGINT) PARTITION BY HASH (id) PARTITIONS 3");
        await query.LoadAsync(table, QueryFixture.Csv("id,v", Enumerable.Range(1, 30_000).Select(i => $"{i},{i % 7}")));

        // Every pair of 30 000 rows: 900 million comparisons on the nodes (the sum reads both sides, so nothing is aggregated before the join), far past a 300 ms budget.
        using var slow = await query.SendAsync($"SELECT count(*), sum(a.v * b.id % 7) FROM {table} a CROSS JOIN {table} b WHERE a.v * b.id % 1000003 = 17", timeoutMs: 300);
        var problem = await slow.AssertProblemAsync(504, "query-timeout");
        Assert.Contains("cancelled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var next = await query.QueryAsync($"SELECT count(*) FROM {table}");
        Assert.Equal(30_000, next.GetProperty("rows")[0][0].GetInt64());
    }

    [Fact]
    public async Task The_fragments_of_a_query_past_its_budget_are_stopped_in_the_nodes_engines()
    {
        var table = $"endless_{Guid.NewGuid():N}"[..16];
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v BIGINT) PARTITION BY HASH (id) PARTITIONS 3");
        await query.LoadAsync(table, QueryFixture.Csv("id,v", Enumerable.Range(1, 30_000).Select(i => $"{i},{i % 7}")));

        // Three sides of 30 000 rows: 2.7e13 combinations on the nodes (the modulo keeps the engine from turning the filter
        // into a hash join on c.id), which no engine finishes unless it is stopped. The two broadcast sides are gathered in
        // well under the budget, so what the budget cuts off is the nodes' partial aggregates.
        await FragmentsStopAsync(async () =>
        {
            using var endless = await query.SendAsync($"SELECT count(*), sum(a.v * b.id * c.v % 7) FROM {table} a CROSS JOIN {table} b CROSS JOIN {table} c WHERE (a.v * b.id + c.id) % 1009 = 17",
                timeoutMs: 10_000);
            await endless.AssertProblemAsync(504, "query-timeout");
        });
    }

    [Fact]
    public async Task The_fragments_of_a_query_whose_client_goes_away_are_stopped_in_the_nodes_engines()
    {
        var table = $"dropped_{Guid.NewGuid():N}"[..16];
        await query.QueryAsync($"CREATE TABLE {table} (k BIGINT, v BIGINT) PARTITION BY HASH (k) PARTITIONS 3");
        await query.LoadAsync(table, QueryFixture.Csv("k,v", Enumerable.Range(1, 30_000).Select(i => $"{i % 3},{i % 7}")));

        // Three copies of one table joined on its partition column, which holds three values: co-located, so the nodes'
        // only fragments are these joins (nothing is gathered first), and 10 000 rows of each value make 1e12 triples
        // per partition, which no engine finishes unless it is stopped.
        await FragmentsStopAsync(async () =>
        {
            using var client = new CancellationTokenSource();
            var abandoned = query.SendAsync($"SELECT count(*), sum(a.v + b.v + c.v) FROM {table} a JOIN {table} b ON a.k = b.k JOIN {table} c ON b.k = c.k",
                timeoutMs: 300_000, cancellationToken: client.Token);
            await Eventually.ReturnsAsync(() => query.NodesMetricAsync(Running), n => n >= 1, TimeSpan.FromSeconds(60), "the query's fragments in the nodes' engines");
            await client.CancelAsync(); // the client goes away: the gateway drops its call upstream, the operation node its fragments
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        });
    }

    private const string Running = "platform_query_node_fragments_running", Cancelled = "platform_query_node_fragments_cancelled_total";

    /// <summary>Runs <paramref name="endlessQuery"/> (it starts fragments that never end, and cuts them off), then waits until none runs on any node and at least one was cancelled.</summary>
    private async Task FragmentsStopAsync(Func<Task> endlessQuery)
    {
        var cancelledBefore = await query.NodesMetricAsync(Cancelled);
        await endlessQuery();
        await Eventually.ReturnsAsync(async () => (Running: await query.NodesMetricAsync(Running), Cancelled: await query.NodesMetricAsync(Cancelled) - cancelledBefore),
            m => m.Running == 0 && m.Cancelled >= 1, TimeSpan.FromSeconds(20), "every fragment of the query stopped in its node's engine");
    }
}
