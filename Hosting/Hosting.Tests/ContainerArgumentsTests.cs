using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Containers;
using Platform.Hosting.Kafka;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;
using Platform.Hosting.Testing;

namespace Platform.Hosting.Tests;

/// <summary>No Docker engine runs where the platform is built, so the container runner is checked by the exact arguments it would pass.</summary>
[Trait("Category", "smoke")]
public sealed class ContainerArgumentsTests
{
    [Fact]
    public void Postgres_publishes_on_loopback_with_the_generated_password()
    {
        var postgres = Allocate(DistributedApplicationTestingBuilder.Create().AddPostgres("postgres").Resource, 15432);

        var args = ContainerLauncher.RunArguments(postgres, "run1");

        Assert.Equal(
            ["run", "--rm", "--name", "platform-run1-postgres", "--label", "platform.run=run1", "-p", "127.0.0.1:15432:5432",
             "-e", "POSTGRES_USER=postgres", "-e", $"POSTGRES_PASSWORD={postgres.Password}", ContainerLauncher.PostgresImage, "-c", "max_connections=300"],
            args);
    }

    [Fact]
    public void Redis_runs_without_persistence()
    {
        var redis = Allocate(DistributedApplicationTestingBuilder.Create().AddRedis("cache").Resource, 16379);
        Assert.Equal(
            ["run", "--rm", "--name", "platform-run1-cache", "--label", "platform.run=run1", "-p", "127.0.0.1:16379:6379", ContainerLauncher.RedisImage, "--save", "", "--appendonly", "no"],
            ContainerLauncher.RunArguments(redis, "run1"));
    }

    [Fact]
    public void RabbitMQ_gets_the_graphs_credentials()
    {
        var rabbit = Allocate(DistributedApplicationTestingBuilder.Create().AddRabbitMQ("messaging").Resource, 15672);
        var args = ContainerLauncher.RunArguments(rabbit, "run1");
        Assert.Contains("127.0.0.1:15672:5672", args);
        Assert.Contains($"RABBITMQ_DEFAULT_USER={rabbit.UserName}", args);
        Assert.Contains($"RABBITMQ_DEFAULT_PASS={rabbit.Password}", args);
        Assert.Equal(ContainerLauncher.RabbitMQImage, args[^1]);
    }

    [Fact]
    public void Kafka_advertises_the_published_port_and_creates_declared_topics()
    {
        var kafka = DistributedApplicationTestingBuilder.Create().AddKafka("kafka").WithTopic("events", 6).Resource;
        var args = ContainerLauncher.RunArguments(kafka, "run1");
        var published = args[args.ToList().IndexOf("-p") + 1];
        var port = published.Split(':')[1];

        Assert.Contains($"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:{port}", args);
        Assert.Equal(
            ["exec", "platform-run1-kafka", "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--create", "--if-not-exists",
             "--topic", "events", "--partitions", "6", "--replication-factor", "1"],
            ContainerLauncher.TopicArguments(ContainerLauncher.ContainerName(kafka, "run1"), kafka.Topics[0]));
    }

    private static T Allocate<T>(T resource, int port) where T : IResource
    {
        foreach (var endpoint in resource.AnnotationsOf<EndpointAnnotation>())
        {
            endpoint.AllocatedPorts.Add(port);
        }

        return resource;
    }
}
