using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// Seed 000's node failure recovery: a tenant node that was down while batches came, or while its table was dropped and
/// made again, catches up once it is back, and is then the copy that answers when the other one dies.
/// </summary>
[Collection(QueryCollection.Name)]
[Trait("Category", "query")]
public sealed class NodeRecoveryTests(QueryFixture query)
{
    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static string Rows(int from, int to, int value) => "id,v\n" + string.Join('\n', Enumerable.Range(from, to - from + 1).Select(i => $"{i},{value}")) + "\n";

    private async Task IngestAsync(string table, string csv, string batchId)
    {
        using var response = await query.IngestAsync(table, csv, batchId);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static IEnumerable<string> Stale(JsonElement table)
        => table.GetProperty("partitions").EnumerateArray().SelectMany(p => p.GetProperty("stale").EnumerateArray().Select(n => n.GetString()!));

    /// <summary>Queries the table until the catalog holds no stale copy of it (each query offers them for catching up).</summary>
    private async Task CaughtUpAsync(string table)
        => await Eventually.ReturnsAsync(async () =>
        {
            await query.QueryAsync($"SELECT count(*) FROM {table}");
            return await query.DescribeAsync(table);
        }, t => !Stale(t).Any(), TimeSpan.FromSeconds(60), $"the stale copies of {table} caught up");

    /// <summary>With nodes-2 down, the partitions it shares with nodes-1 are read from nodes-1 alone.</summary>
    private async Task<JsonElement> WithoutNode2Async(string sql)
    {
        await query.Commands.KillAsync("nodes-2");
        try
        {
            return await query.QueryAsync(sql);
        }
        finally
        {
            await query.Commands.StartAsync("nodes-2");
        }
    }

    [Fact]
    public async Task A_node_that_was_down_during_an_ingest_catches_up_the_batch_and_answers_for_it_when_the_other_copy_dies()
    {
        var table = $"missed_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
        await IngestAsync(table, Rows(1, 3000, 1), "first");
        await query.Commands.KillAsync("nodes-1");
        try
        {
            await IngestAsync(table, Rows(3001, 6000, 2), "while-down");
            var described = await query.DescribeAsync(table);
            Assert.Contains("nodes-1", Stale(described)); // its copies missed the batch: not read until they catch up
            Assert.Equal(6000, described.GetProperty("rows").GetInt64());
        }
        finally
        {
            await query.Commands.StartAsync("nodes-1");
        }

        await CaughtUpAsync(table);
        var answer = await WithoutNode2Async($"SELECT count(*), sum(v) FROM {table}");
        Assert.Equal("[[6000,9000]]", answer.GetProperty("rows").ToString());
        Assert.Contains("nodes-1", answer.GetProperty("stats").GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task A_node_that_missed_a_drop_serves_none_of_the_old_table_s_rows_once_a_table_of_that_name_is_made_again()
    {
        var table = $"reborn_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
        await IngestAsync(table, Rows(1, 4000, 5), "b1");
        await query.Commands.KillAsync("nodes-1");
        try
        {
            await query.QueryAsync($"DROP TABLE {table}");
            await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
            Assert.Contains("nodes-1", Stale(await query.DescribeAsync(table))); // it may still hold the old table: not read until the drop is replayed
            await IngestAsync(table, Rows(1, 1000, 7), "b1"); // the same batch id as the old table's, other rows
        }
        finally
        {
            await query.Commands.StartAsync("nodes-1");
        }

        await CaughtUpAsync(table);
        var answer = await WithoutNode2Async($"SELECT count(*), sum(v) FROM {table}");
        Assert.Equal("[[1000,7000]]", answer.GetProperty("rows").ToString());
    }
}
