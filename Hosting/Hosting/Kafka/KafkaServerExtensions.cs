using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Processes;

namespace Platform.Hosting.Kafka;

public static class KafkaServerExtensions
{
    /// <summary>
    /// A Kafka cluster: a real Kafka container where a container runtime exists (and in the manifest), otherwise the
    /// in-memory Kafka-protocol cluster in a local process. Declare its topics with <see cref="WithTopic"/>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddKafkaServer(this IDistributedApplicationBuilder builder, string name, int brokers = 1)
    {
        if (builder.GetInfrastructureMode() == InfrastructureMode.Containers)
        {
            var container = new KafkaContainerResource(name);
            return builder.AddResource(container)
                .WithImage(KafkaContainerResource.Image, KafkaContainerResource.Tag)
                .WithEndpoint(name: "tcp", targetPort: KafkaContainerResource.BrokerPort)
                // Clients reach the broker through the host port, so that is the address it advertises.
                .WithEnvironment(context => context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                    $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:{container.PrimaryEndpoint.Property(EndpointProperty.Port)}"))
                .OnResourceReady((resource, _, cancellationToken) => CreateTopicsAsync(resource, cancellationToken));
        }

        var broker = Path.Combine(AppContext.BaseDirectory, "Platform.KafkaBroker.dll");
        var kafka = new KafkaProcessResource(name, RunDirectory.Of(builder).CreateFolder(name), brokers);
        return builder.AddResource(kafka)
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "KAFKA_BOOTSTRAP_PORT", isProxied: false)
            .WithEndpoint(name: "control", scheme: "tcp", env: "KAFKA_CONTROL_PORT", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(broker);
                context.Args.Add("--brokers");
                context.Args.Add(kafka.Brokers.ToString(CultureInfo.InvariantCulture));
                foreach (var topic in kafka.Annotations.OfType<KafkaTopicAnnotation>())
                {
                    context.Args.Add("--topic");
                    context.Args.Add($"{topic.Name}:{topic.Partitions.ToString(CultureInfo.InvariantCulture)}");
                }
            })
            .WithReadinessProbe((resource, cancellationToken) => ServerProbes.TcpAsync(resource.PrimaryEndpoint.Port, cancellationToken))
            .WithProcessCommands();
    }

    /// <summary>A topic of the cluster, keyed by aggregate: created with the cluster, with its partitions.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> WithTopic(this IResourceBuilder<IResourceWithConnectionString> kafka, string name, int partitions)
    {
        if (kafka.Resource is not (KafkaProcessResource or KafkaContainerResource))
        {
            throw new ArgumentException($"'{kafka.Resource.Name}' is not a Kafka server.", nameof(kafka));
        }

        return kafka.WithAnnotation(new KafkaTopicAnnotation(name, partitions));
    }

    private static async Task CreateTopicsAsync(KafkaContainerResource kafka, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = await kafka.ConnectionStringExpression.GetValueAsync(cancellationToken) }).Build();
        var topics = kafka.Annotations.OfType<KafkaTopicAnnotation>().Select(t => new TopicSpecification { Name = t.Name, NumPartitions = t.Partitions, ReplicationFactor = 1 }).ToList();
        try
        {
            await admin.CreateTopicsAsync(topics);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // created before (a restarted container)
        }
    }
}
