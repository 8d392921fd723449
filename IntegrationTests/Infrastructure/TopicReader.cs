using Confluent.Kafka;
using Platform.Messaging.Kafka;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Reads a topic of the graph's Kafka from the beginning in a group of its own, to check what was published.</summary>
public sealed class TopicReader : IDisposable
{
    private readonly IConsumer<string, byte[]> _consumer;

    public TopicReader(string bootstrapServers, string topic)
    {
        KafkaNative.Bind();
        _consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6_000,
        }).Build();
        _consumer.Subscribe(topic);
    }

    /// <summary>Collects message ids (header) until <paramref name="done"/> holds for what was read, or the deadline passes.</summary>
    public async Task<List<(Guid MessageId, string Key, long Offset)>> ReadUntilAsync(Func<IReadOnlyList<(Guid MessageId, string Key, long Offset)>, bool> done, TimeSpan timeout)
    {
        var read = new List<(Guid, string, long)>();
        await Task.Run(() =>
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (!done(read))
            {
                if (deadline.IsCancellationRequested)
                {
                    throw new TimeoutException($"Kafka did not deliver what was expected within {timeout.TotalSeconds:0} s ({read.Count} messages read).");
                }

                var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message is not null && Guid.TryParse(result.Message.Headers.Get(MessageHeaders.MessageId), out var id))
                {
                    read.Add((id, result.Message.Key, result.Offset.Value));
                }
            }
        });
        return read;
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
