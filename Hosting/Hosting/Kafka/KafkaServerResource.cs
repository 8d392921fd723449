using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Kafka;

/// <summary>
/// A Kafka cluster. Locally it is librdkafka's in-memory Kafka-protocol cluster in a small platform process,
/// whose ports the kernel picks: the connection string (bootstrap list) is known only once it runs.
/// </summary>
public sealed class KafkaServerResource(string name) : Resource(name), IResourceWithConnectionString
{
    private TaskCompletionSource<string> _bootstrap = NewBootstrap();

    public IList<KafkaTopic> Topics { get; } = [];

    public int Brokers { get; internal set; } = 1;

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default)
        => new(_bootstrap.Task.WaitAsync(cancellationToken));

    internal void SetBootstrap(string servers) => _bootstrap.TrySetResult(servers);

    /// <summary>A restarted in-memory cluster listens on new ports.</summary>
    internal void ResetBootstrap()
    {
        if (_bootstrap.Task.IsCompleted)
        {
            _bootstrap = NewBootstrap();
        }
    }

    private static TaskCompletionSource<string> NewBootstrap() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed record KafkaTopic(string Name, int Partitions);

public static class KafkaBuilderExtensions
{
    public static IResourceBuilder<KafkaServerResource> AddKafka(this IDistributedApplicationBuilder builder, string name, int brokers = 1)
        => builder.AddResource(new KafkaServerResource(name) { Brokers = brokers });

    /// <summary>Created before anyone connects: the in-memory broker does not implement CreateTopics.</summary>
    public static IResourceBuilder<KafkaServerResource> WithTopic(this IResourceBuilder<KafkaServerResource> builder, string name, int partitions = 6)
    {
        builder.Resource.Topics.Add(new KafkaTopic(name, partitions));
        return builder;
    }
}
