using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Containers;
using Platform.Hosting.Kafka;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;

namespace Platform.Hosting.Orchestration;

/// <summary>Which launcher brings up which kind of resource, for the configured runner.</summary>
internal static class Launchers
{
    public static IResourceLauncher For(IResource resource, DistributedApplicationOptions options)
    {
        if (options.Runner == "container" && ContainerLauncher.Supports(resource))
        {
            return new ContainerLauncher();
        }

        return resource switch
        {
            PostgresServerResource => new PostgresLauncher(),
            PostgresDatabaseResource => new PostgresDatabaseLauncher(),
            RedisResource => new RedisLauncher(),
            RabbitMQServerResource => new RabbitMQLauncher(),
            KafkaServerResource => new KafkaLauncher(),
            ProjectResource => new ProjectLauncher(options),
            ExecutableResource => new ExecutableLauncher(options),
            _ => throw new DistributedApplicationException($"No launcher knows how to start '{resource.Name}' ({resource.GetType().Name})."),
        };
    }
}
