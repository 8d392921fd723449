using Aspire.Hosting.Testing;
using Confluent.Kafka;
using Platform.Messaging.Kafka;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Reads every partition of a topic of the graph's Kafka from the beginning (no group), to check what was published.</summary>
public sealed class TopicReader : IDisposable
{
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly List<TopicPartition> _partitions;

    public TopicReader(string bootstrapServers, string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "test-reader", EnableAutoCommit = false };
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            _partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        }

        _consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        _consumer.Assign(_partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
    }

    public static async Task<TopicReader> OpenAsync(PlatformFixture platform, string topic)
        => new(await platform.ConnectionStringAsync("kafka"), topic);

    /// <summary>Every message with a message-id header, from the beginning up to the end of each partition as of now.</summary>
    public Task<List<TopicMessage>> ReadToEndAsync(TimeSpan timeout) => Task.Run(() =>
    {
        var ends = _partitions.ToDictionary(p => p.Partition.Value, p => _consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High.Value);
        var read = new List<TopicMessage>();
        var positions = _partitions.ToDictionary(p => p.Partition.Value, _ => -1L);
        using var deadline = new CancellationTokenSource(timeout);
        while (positions.Any(p => p.Value + 1 < ends[p.Key]))
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Kafka did not return every message within {timeout.TotalSeconds:0} s ({read.Count} read).");
            }

            var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message is null)
            {
                continue;
            }

            positions[result.Partition.Value] = result.Offset.Value;
            if (Guid.TryParse(result.Message.Headers.Get(MessageHeaders.MessageId), out var id))
            {
                read.Add(new TopicMessage(id, result.Message.Key, result.Partition.Value, result.Offset.Value,
                    result.Message.Headers.GroupBy(h => h.Key).ToDictionary(g => g.Key, g => System.Text.Encoding.UTF8.GetString(g.Last().GetValueBytes())), result.Message.Value));
            }
        }

        return read;
    });

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}

/// <summary>A message as it sits on the topic: where, its headers, and its body.</summary>
public sealed record TopicMessage(Guid MessageId, string Key, int Partition, long Offset, IReadOnlyDictionary<string, string> Headers, byte[] Value)
{
    public string? Type => Headers.GetValueOrDefault(MessageHeaders.MessageType);
}
