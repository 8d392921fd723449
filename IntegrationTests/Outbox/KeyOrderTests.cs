using System.Collections.Concurrent;
using Platform.Messaging.Outbox;

namespace Platform.IntegrationTests.Outbox;

/// <summary>
/// The relay's send order as pure logic (no graph): within a batch, the messages of one key go out one after another
/// in batch order, different keys in parallel, and a failure holds the key's later messages back.
/// </summary>
[Trait("Category", "contract")]
public sealed class KeyOrderTests
{
    private sealed record Message(string Key, int N);

    [Fact]
    public async Task A_keys_messages_are_sent_one_at_a_time_in_batch_order_while_keys_run_in_parallel()
    {
        var batch = Enumerable.Range(0, 90).Select(n => new Message($"k{n % 3}", n)).ToList();
        var inFlight = new ConcurrentDictionary<string, int>();
        var sent = new ConcurrentQueue<Message>();
        var overlaps = 0;
        var keysAtOnce = 0;
        var random = new Random(7);

        var outcomes = await OutboxRelay.SendInKeyOrderAsync(batch, m => m.Key, async m =>
        {
            if (inFlight.AddOrUpdate(m.Key, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            keysAtOnce = Math.Max(keysAtOnce, inFlight.Count(k => k.Value > 0));
            int delay;
            lock (random)
            {
                delay = random.Next(0, 3);
            }

            await Task.Delay(delay); // an acknowledgement that takes a while: a later message must not overtake it
            sent.Enqueue(m);
            inFlight.AddOrUpdate(m.Key, 0, (_, n) => n - 1);
            return null;
        });

        Assert.Equal(0, overlaps);
        Assert.All(outcomes, o => Assert.Equal(new OutboxRelay.Sent(null), o));
        foreach (var key in batch.Select(m => m.Key).Distinct())
        {
            var order = sent.Where(m => m.Key == key).Select(m => m.N).ToList();
            Assert.Equal(batch.Where(m => m.Key == key).Select(m => m.N), order);
        }

        Assert.True(keysAtOnce > 1, "different keys are sent concurrently");
    }

    [Fact]
    public async Task A_failure_holds_back_the_rest_of_its_key_only()
    {
        var batch = Enumerable.Range(0, 12).Select(n => new Message($"k{n % 2}", n)).ToList();
        var outcomes = await OutboxRelay.SendInKeyOrderAsync(batch, m => m.Key, m =>
            Task.FromResult<DeliveryFailure?>(m.N == 4 ? new DeliveryFailure(false, "broker busy") : null));

        Assert.Equal(new DeliveryFailure(false, "broker busy"), outcomes[4]!.Value.Failure);
        Assert.All(new[] { 6, 8, 10 }, i => Assert.Null(outcomes[i])); // k0 after the failure: not sent
        Assert.All(new[] { 0, 2 }, i => Assert.Equal(new OutboxRelay.Sent(null), outcomes[i]));
        Assert.All(batch.Where(m => m.Key == "k1"), m => Assert.Equal(new OutboxRelay.Sent(null), outcomes[m.N]));
    }
}
