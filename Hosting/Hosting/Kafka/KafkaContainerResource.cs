using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Kafka;

/// <summary>A real single-node Kafka (KRaft) in a container, where a runtime exists and in the manifest (Aspire.Hosting.Kafka is not served here).</summary>
public sealed class KafkaContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string Image = "confluentinc/confluent-local";
    public const string Tag = "7.9.0";
    public const int BrokerPort = 9092;

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
