using Aspire.Hosting.Testing;
using System.Diagnostics;
using Npgsql;
using Platform.Contracts;
using Platform.Messaging.Outbox;

namespace Platform.IntegrationTests.Outbox;

/// <summary>The transactional outbox of the workspaces service: its two replicas are two relays publishing to the graph's Kafka.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "outbox")]
public sealed class OutboxTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const string Topic = WorkspaceMembershipEvents.Topic;

    [Fact]
    public async Task A_rolled_back_transaction_publishes_nothing()
    {
        var key = Guid.NewGuid().ToString();
        var rolledBack = Probe(key);
        var committed = Probe(key);
        await WriteAsync([rolledBack], commit: false);
        await WriteAsync([committed], commit: true);

        await WaitDeliveredAsync([committed.Id]);
        using var reader = await TopicReader.OpenAsync(platform, Topic);
        var ids = (await reader.ReadToEndAsync(TimeSpan.FromSeconds(30))).Select(m => m.MessageId).ToHashSet();
        Assert.Contains(committed.Id, ids);
        Assert.DoesNotContain(rolledBack.Id, ids); // same key, so same lane and partition: it would have gone first
        Assert.Equal(0L, await platform.QueryScalarAsync<long>("workspacesdb", $"SELECT count(*) FROM outbox_messages WHERE id = '{rolledBack.Id}'"));
    }

    [Fact]
    public async Task A_relay_killed_mid_batch_loses_nothing()
    {
        var messages = Enumerable.Range(0, 20_000).Select(i => Probe($"key-{i % 500}")).ToList();
        await WriteAsync(messages, commit: true);
        var ids = messages.Select(m => m.Id).ToArray();
        await Eventually.ReturnsAsync(() => DeliveredAsync(ids), n => n > 0, TimeSpan.FromSeconds(30), "the relays start delivering");
        var pendingAtKill = ids.Length - await DeliveredAsync(ids); // counted just before the signal: KillAsync returns once Aspire has seen the replica gone
        await platform.Commands.KillAsync("workspaces-0");
        try
        {
            var clock = Stopwatch.StartNew();
            await WaitDeliveredAsync(ids);
            output.WriteLine($"killed workspaces-0 with {pendingAtKill} of {ids.Length} undelivered; the other relay finished in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await platform.Commands.StartAsync("workspaces-0");
        }

        using var reader = await TopicReader.OpenAsync(platform, Topic);
        var published = (await reader.ReadToEndAsync(TimeSpan.FromSeconds(60))).Select(m => m.MessageId).ToHashSet();
        Assert.DoesNotContain(ids, id => !published.Contains(id));
        Assert.True(pendingAtKill > 0, "the kill landed after the relays had finished; nothing was in flight");
    }

    [Fact]
    public async Task A_poison_message_is_parked_with_its_reason_without_blocking_its_key_and_can_be_replayed()
    {
        var key = Guid.NewGuid().ToString();
        var poison = Probe(key) with { Payload = new byte[2_000_000] }; // over Kafka's message.max.bytes
        var next = Probe(key);
        await WriteAsync([poison, next], commit: true);

        await WaitDeliveredAsync([next.Id]);
        await using var db = await DataSourceAsync();
        var letters = await DeadLetters.ListAsync(db, 100, CancellationToken.None);
        var letter = Assert.Single(letters, l => l.Id == poison.Id);
        Assert.Contains("MsgSizeTooLarge", letter.Reason, StringComparison.Ordinal);

        // The cause is fixed (here: the payload shrunk), then the dead letter is replayed.
        await platform.ExecuteAsync("workspacesdb", "UPDATE outbox_messages SET payload = '\\x7b7d' WHERE id = $1", poison.Id);
        Assert.True(await DeadLetters.ReplayAsync(db, poison.Id, CancellationToken.None));
        await WaitDeliveredAsync([poison.Id]);
        Assert.False(await DeadLetters.ReplayAsync(db, poison.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Two_relays_share_the_outbox_without_sending_anything_twice()
    {
        var messages = Enumerable.Range(0, 5_000).Select(i => Probe($"pair-{i % 300}")).ToList();
        var clock = Stopwatch.StartNew();
        await WriteAsync(messages, commit: true);
        var ids = messages.Select(m => m.Id).ToArray();
        await WaitDeliveredAsync(ids);
        output.WriteLine($"{ids.Length} messages relayed by two relays in {clock.Elapsed.TotalMilliseconds:0} ms");

        using var reader = await TopicReader.OpenAsync(platform, Topic);
        var wanted = ids.ToHashSet();
        var published = (await reader.ReadToEndAsync(TimeSpan.FromSeconds(60))).Where(m => wanted.Contains(m.MessageId)).ToList();
        Assert.Equal(ids.Length, published.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(ids.Length, published.Count); // no duplicates in the normal case
        // Per-key order: each key's messages appear in the order they were written.
        var order = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        Assert.All(published.GroupBy(m => m.Key), g => Assert.True(g.OrderBy(m => m.Offset).Select(m => order[m.MessageId]).SequenceEqual(g.Select(m => order[m.MessageId]).Order())));
    }

    private static OutboxMessage Probe(string key) => OutboxMessage.Create(Topic, key, "test.probe", new { key }, "outbox-test", null);

    private async Task<NpgsqlDataSource> DataSourceAsync() => NpgsqlDataSource.Create(await platform.ConnectionStringAsync("workspacesdb"));

    private async Task WriteAsync(IReadOnlyCollection<OutboxMessage> messages, bool commit)
    {
        await using var connection = new NpgsqlConnection(await platform.ConnectionStringAsync("workspacesdb"));
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Messaging.Outbox.Outbox.WriteAsync(connection, transaction, messages, CancellationToken.None);
        if (commit)
        {
            await transaction.CommitAsync();
        }
    }

    private async Task<long> DeliveredAsync(Guid[] ids)
    {
        await using var connection = new NpgsqlConnection(await platform.ConnectionStringAsync("workspacesdb"));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM outbox_messages WHERE id = ANY($1) AND delivered_at IS NOT NULL", connection) { Parameters = { new() { Value = ids } } };
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private Task<long> WaitDeliveredAsync(Guid[] ids)
        => Eventually.ReturnsAsync(() => DeliveredAsync(ids), n => n == ids.Length, TimeSpan.FromSeconds(60), $"{ids.Length} outbox messages delivered");
}
