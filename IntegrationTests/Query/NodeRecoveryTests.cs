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

    private static string Rows(int from, int to, int value) => QueryFixture.Csv("id,v", Enumerable.Range(from, to - from + 1).Select(i => $"{i},{value}"));

    private static IEnumerable<string> Stale(JsonElement table)
        => table.GetProperty("partitions").EnumerateArray().SelectMany(p => p.GetProperty("stale").EnumerateArray().Select(n => n.GetString()!));

    /// <summary>
    /// Queries the table until the catalog holds no stale copy of it (each query offers them for catching up; it may be
    /// refused while a partition has no fresh copy).
    /// </summary>
    private async Task CaughtUpAsync(string table)
        => await Eventually.ReturnsAsync(async () =>
        {
            using var offered = await query.SendAsync($"SELECT count(*) FROM {table}");
            return await query.DescribeAsync(table);
        }, t => !Stale(t).Any(), TimeSpan.FromSeconds(60), $"the stale copies of {table} caught up");

    /// <summary>Runs <paramref name="during"/> with <paramref name="node"/> killed, and starts it again whatever happens.</summary>
    private async Task<T> WhileDownAsync<T>(string node, Func<Task<T>> during)
    {
        await query.Commands.KillAsync(node);
        try
        {
            return await during();
        }
        finally
        {
            await query.Commands.StartAsync(node);
        }
    }

    /// <summary>With nodes-2 down, the partitions it shares with nodes-1 are read from nodes-1 alone.</summary>
    private Task<JsonElement> WithoutNode2Async(string sql) => WhileDownAsync("nodes-2", () => query.QueryAsync(sql));

    [Fact]
    public async Task A_node_that_was_down_during_an_ingest_catches_up_the_batch_and_answers_for_it_when_the_other_copy_dies()
    {
        var table = $"missed_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
        await query.LoadAsync(table, Rows(1, 3000, 1), "first");
        await CaughtUpAsync(table); // every copy took the first batch (a slow node's call may have been cut off)
        var described = await WhileDownAsync("nodes-1", async () =>
        {
            await query.LoadAsync(table, Rows(3001, 6000, 2), "while-down");
            return await query.DescribeAsync(table);
        });
        Assert.Contains("nodes-1", Stale(described)); // its copies missed the batch: not read until they catch up
        Assert.Equal(6000, described.GetProperty("rows").GetInt64());

        await CaughtUpAsync(table);
        var answer = await WithoutNode2Async($"SELECT count(*), sum(v) FROM {table}");
        Assert.Equal("[[6000,9000]]", answer.GetProperty("rows").ToString());
        Assert.Contains("nodes-1", answer.GetProperty("stats").GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task Two_copies_that_each_missed_a_batch_the_other_took_merge_and_neither_loses_a_row()
    {
        var table = $"split_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
        await WhileDownAsync("nodes-1", async () =>
        {
            await query.LoadAsync(table, Rows(1, 2000, 1), "a"); // the copies on nodes-1 miss batch a
            return true;
        });
        var described = await WhileDownAsync("nodes-2", async () =>
        {
            // The copies on nodes-1 are stale and those on nodes-2 miss b: the partitions both hold have no fresh copy.
            await query.LoadAsync(table, Rows(2001, 5000, 2), "b");
            return await query.DescribeAsync(table);
        });
        Assert.Contains(described.GetProperty("partitions").EnumerateArray(), p => p.GetProperty("stale").GetArrayLength() == 2);

        await CaughtUpAsync(table);
        Assert.Equal(5000, (await query.DescribeAsync(table)).GetProperty("rows").GetInt64()); // statistics of the merged copies
        Assert.Equal("[[5000,8000]]", (await WithoutNode2Async($"SELECT count(*), sum(v) FROM {table}")).GetProperty("rows").ToString());
        Assert.Equal("[[5000,8000]]", (await WhileDownAsync("nodes-1", () => query.QueryAsync($"SELECT count(*), sum(v) FROM {table}"))).GetProperty("rows").ToString());
    }

    [Fact]
    public async Task A_node_that_missed_a_drop_serves_none_of_the_old_table_s_rows_once_a_table_of_that_name_is_made_again()
    {
        var table = $"reborn_{Suffix()}";
        await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
        await query.LoadAsync(table, Rows(1, 4000, 5), "b1");
        var remade = await WhileDownAsync("nodes-1", async () =>
        {
            await query.QueryAsync($"DROP TABLE {table}");
            await query.QueryAsync($"CREATE TABLE {table} (id BIGINT, v INTEGER) PARTITION BY HASH (id) PARTITIONS 6");
            var created = await query.DescribeAsync(table); // before any batch: stale from the CREATE itself
            await query.LoadAsync(table, Rows(1, 1000, 7), "b1"); // the same batch id as the old table's, other rows
            return created;
        });
        Assert.Contains("nodes-1", Stale(remade)); // it may still hold the old table: not read until the drop is replayed

        await CaughtUpAsync(table);
        var answer = await WithoutNode2Async($"SELECT count(*), sum(v) FROM {table}");
        Assert.Equal("[[1000,7000]]", answer.GetProperty("rows").ToString());
    }
}
