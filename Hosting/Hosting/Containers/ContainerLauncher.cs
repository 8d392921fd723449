using System.Globalization;
using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Kafka;
using Platform.Hosting.Orchestration;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;

namespace Platform.Hosting.Containers;

/// <summary>
/// Infrastructure as containers, for machines with a Docker engine (PLATFORM_RUNNER=container). The docker
/// client runs in the foreground as the resource's process, so logs, stop and state work as for local
/// processes; health uses the same protocol probes. Projects always run as local processes.
/// </summary>
internal sealed class ContainerLauncher : IResourceLauncher
{
    public const string PostgresImage = "docker.io/library/postgres:17";
    public const string RedisImage = "docker.io/library/redis:7.4";
    public const string RabbitMQImage = "docker.io/library/rabbitmq:4.1";
    public const string KafkaImage = "docker.io/apache/kafka:3.9.1";

    public static bool Supports(IResource resource) => resource is PostgresServerResource or RedisResource or RabbitMQServerResource or KafkaServerResource;

    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        if (instance.Resource is KafkaServerResource kafka)
        {
            kafka.ResetBootstrap();
            kafka.SetBootstrap($"127.0.0.1:{KafkaPort(kafka).ToString(CultureInfo.InvariantCulture)}");
        }

        var spec = new ProcessSpec("docker") { WorkingDirectory = run.Path };
        foreach (var argument in RunArguments(instance.Resource, run.RunId))
        {
            spec.Arguments.Add(argument);
        }

        return Task.FromResult<ProcessSpec?>(spec);
    }

    public async Task OnLaunchedAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        if (instance.Resource is not KafkaServerResource kafka)
        {
            return;
        }

        // The image's broker auto-creates topics with its defaults; declared topics get their partition counts.
        foreach (var topic in kafka.Topics)
        {
            var create = new ProcessSpec("docker");
            foreach (var argument in TopicArguments(ContainerName(kafka, run.RunId), topic))
            {
                create.Arguments.Add(argument);
            }

            await RetryUntilReadyAsync(() => OneShot.RunAsync(create, run, instance.Logs, cancellationToken), cancellationToken);
        }
    }

    public async Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken) => instance.Resource switch
    {
        PostgresServerResource postgres => await Probes.PostgresAsync(await postgres.GetConnectionStringAsync(cancellationToken) + ";Database=postgres", cancellationToken),
        RedisResource redis => await Probes.RedisAsync(redis.Port, cancellationToken),
        RabbitMQServerResource rabbit => await Probes.TcpAsync(rabbit.Port, cancellationToken),
        KafkaServerResource kafka => await Probes.TcpAsync(KafkaPort(kafka), cancellationToken),
        _ => false,
    };

    /// <summary>The exact <c>docker</c> arguments for a resource (unit-tested; no engine runs where this is built).</summary>
    internal static IReadOnlyList<string> RunArguments(IResource resource, string runId)
    {
        var name = ContainerName(resource, runId);
        var common = new List<string> { "run", "--rm", "--name", name, "--label", $"platform.run={runId}" };
        string Publish(int hostPort, int containerPort) => $"127.0.0.1:{hostPort.ToString(CultureInfo.InvariantCulture)}:{containerPort.ToString(CultureInfo.InvariantCulture)}";

        return resource switch
        {
            PostgresServerResource postgres =>
            [
                .. common, "-p", Publish(postgres.Port, 5432),
                "-e", $"POSTGRES_USER={PostgresServerResource.UserName}", "-e", $"POSTGRES_PASSWORD={postgres.Password}",
                PostgresImage, "-c", "max_connections=300",
            ],
            RedisResource redis => [.. common, "-p", Publish(redis.Port, 6379), RedisImage, "--save", "", "--appendonly", "no"],
            RabbitMQServerResource rabbit =>
            [
                .. common, "-p", Publish(rabbit.Port, 5672),
                "-e", $"RABBITMQ_DEFAULT_USER={rabbit.UserName}", "-e", $"RABBITMQ_DEFAULT_PASS={rabbit.Password}",
                RabbitMQImage,
            ],
            KafkaServerResource kafka =>
            [
                .. common, "-p", Publish(KafkaPort(kafka), 9092),
                "-e", "KAFKA_NODE_ID=1", "-e", "KAFKA_PROCESS_ROLES=broker,controller",
                "-e", "KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093",
                "-e", $"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:{KafkaPort(kafka).ToString(CultureInfo.InvariantCulture)}",
                "-e", "KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER", "-e", "KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093",
                "-e", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
                KafkaImage,
            ],
            _ => throw new DistributedApplicationException($"'{resource.Name}' cannot run as a container."),
        };
    }

    internal static IReadOnlyList<string> TopicArguments(string containerName, KafkaTopic topic) =>
    [
        "exec", containerName, "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--create", "--if-not-exists",
        "--topic", topic.Name, "--partitions", topic.Partitions.ToString(CultureInfo.InvariantCulture), "--replication-factor", "1",
    ];

    private static int KafkaPort(KafkaServerResource kafka)
    {
        var endpoint = kafka.AnnotationsOf<EndpointAnnotation>().FirstOrDefault();
        if (endpoint is null)
        {
            endpoint = new EndpointAnnotation("tcp", "tcp");
            endpoint.AllocatedPorts.Add(PortAllocator.Next());
            kafka.Annotations.Add(endpoint);
        }

        return endpoint.AllocatedPorts[0];
    }

    internal static string ContainerName(IResource resource, string runId) => $"platform-{runId}-{resource.Name}";

    private static async Task RetryUntilReadyAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (DistributedApplicationException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // the broker inside is still booting
            }
        }
    }
}
