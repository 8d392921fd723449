using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Processes;

namespace Platform.Hosting.Redis;

public static class RedisServerExtensions
{
    /// <summary>A Redis server: Aspire's <c>AddRedis</c> container where a container runtime exists (and in the manifest), otherwise a local redis-server.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.GetInfrastructureMode() == InfrastructureMode.Containers)
        {
            return builder.AddRedis(name);
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var redis = new RedisProcessResource(name, Installed.Require("redis-server", "redis-server"), RunDirectory.Of(builder).CreatePrivateFolder(name), password);
        return builder.AddResource(redis)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .OnBeforeResourceStarted((resource, _, cancellationToken) => resource.WriteConfigAsync("", cancellationToken))
            .WithArgs(context => redis.AddArguments(context.Args))
            .WithReadinessProbe(async (resource, cancellationToken) =>
                await ServerProbes.RedisAsync(resource.PrimaryEndpoint.Port, await resource.Password.GetValueAsync(cancellationToken) ?? "", cancellationToken))
            .WithProcessCommands();
    }
}
