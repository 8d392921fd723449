using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Kafka;

/// <summary>
/// librdkafka's in-memory Kafka-protocol cluster in a small platform process (Platform.KafkaBroker): a bootstrap
/// address DCP allocates, relayed to brokers whose own ports the kernel picks, and a control port for broker faults.
/// It forgets everything when it stops.
/// </summary>
public sealed class KafkaProcessResource(string name, string workingDirectory, int brokers)
    : ExecutableResource(name, "dotnet", workingDirectory), IResourceWithConnectionString
{
    public int Brokers { get; } = brokers;

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public EndpointReference ControlEndpoint => new(this, "control");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.IPV4Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

/// <summary>A topic the graph declares, created with the cluster (the in-memory cluster does not implement CreateTopics).</summary>
public sealed record KafkaTopicAnnotation(string Name, int Partitions) : IResourceAnnotation;
