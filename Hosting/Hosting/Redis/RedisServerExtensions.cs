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
        return builder.AddRedisProcess(name, password)
            .OnBeforeResourceStarted((resource, _, cancellationToken) => resource.WriteConfigAsync("", cancellationToken))
            .WithArgs(context => ((RedisProcessResource)context.Resource).AddArguments(context.Args));
    }

    /// <summary>
    /// One redis-server process (a server or a Sentinel) in a private folder, on a port DCP allocates, ready when it
    /// answers AUTH and PING, with kill/pause/resume commands; the caller writes its config and gives its arguments.
    /// </summary>
    internal static IResourceBuilder<RedisProcessResource> AddRedisProcess(this IDistributedApplicationBuilder builder, string name, ParameterResource password)
        => builder.AddResource(new RedisProcessResource(name, Installed.Require("redis-server", "redis-server"), RunDirectory.Of(builder).CreatePrivateFolder(name), password))
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false)
            .WithReadinessProbe(async (resource, cancellationToken) =>
                await ServerProbes.RedisAsync(resource.PrimaryEndpoint.Port, await resource.Password.GetValueAsync(cancellationToken) ?? "", cancellationToken))
            .WithProcessCommands();
}
