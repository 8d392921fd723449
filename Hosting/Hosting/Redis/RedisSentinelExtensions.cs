using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Platform.Hosting.Infrastructure;

namespace Platform.Hosting.Redis;

public static class RedisSentinelExtensions
{
    /// <summary>
    /// The highly available shape of <see cref="RedisServerExtensions.AddRedisServer"/>: a primary (<c>{name}-0</c>) and
    /// replicas (<c>{name}-1</c>, ...) of redis-server in memory, and Sentinels (<c>{name}-sentinel-0</c>, ...) that
    /// promote a replica within seconds of the primary going silent and make a returning primary a replica. The resource
    /// <paramref name="name"/> carries the connection string through the Sentinels; it is healthy once a Sentinel sees a
    /// quorum and every replica, so a failover can happen from the first moment. Local processes only so far.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisWithSentinels(this IDistributedApplicationBuilder builder, string name, int replicas = 2, int sentinels = 3)
    {
        if (builder.GetInfrastructureMode() == InfrastructureMode.Containers)
        {
            throw new NotSupportedException("The highly available Redis has local processes only so far: no container shape, and nothing for the manifest.");
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var group = new RedisSentinelGroup(name, password);
        var primary = AddServer(0);
        for (var i = 1; i <= replicas; i++)
        {
            // Where a failover has moved the primary, the Sentinels tell a (re)started replica whom to follow.
            AddServer(i).WaitFor(primary).WithArgs(context =>
            {
                context.Args.Add("--replicaof");
                context.Args.Add("127.0.0.1");
                context.Args.Add(primary.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            });
        }

        for (var i = 0; i < sentinels; i++)
        {
            var sentinel = builder.AddRedisProcess($"{name}-sentinel-{i}", password)
                .OnBeforeResourceStarted((resource, _, cancellationToken) => File.Exists(resource.ConfigFile)
                    ? Task.CompletedTask // a restarted Sentinel goes on from the state it wrote back, which knows of any failover
                    : resource.WriteConfigAsync(string.Join('\n',
                        // A majority agrees the primary is down after 1 s of silence; a failover that stalls is tried again after 5 s.
                        $"sentinel monitor {RedisSentinelGroup.ServiceName} 127.0.0.1 {primary.Resource.PrimaryEndpoint.Port} {sentinels / 2 + 1}",
                        $"sentinel auth-pass {RedisSentinelGroup.ServiceName} {{0}}",
                        "sentinel sentinel-pass {0}",
                        $"sentinel down-after-milliseconds {RedisSentinelGroup.ServiceName} 1000",
                        $"sentinel failover-timeout {RedisSentinelGroup.ServiceName} 5000",
                        "sentinel announce-ip 127.0.0.1",
                        ""), cancellationToken))
                .WithArgs(context => ((RedisProcessResource)context.Resource).AddArguments(context.Args, sentinel: true))
                .WaitFor(primary);
            group.Sentinels.Add(sentinel.Resource);
        }

        return builder.AddResource(group)
            .OnInitializeResource(async (resource, e, cancellationToken) =>
            {
                // Not a process: running once its Sentinels are.
                foreach (var sentinel in resource.Sentinels)
                {
                    await e.Notifications.WaitForResourceHealthyAsync(sentinel.Name, cancellationToken);
                }

                await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Running, StartTimeStamp = s.StartTimeStamp ?? DateTime.UtcNow });
            })
            .WithReadinessProbe(async (resource, cancellationToken) =>
            {
                var secret = await resource.Password.GetValueAsync(cancellationToken) ?? "";
                foreach (var sentinel in resource.Sentinels.Where(s => s.PrimaryEndpoint.IsAllocated))
                {
                    if (await ServerProbes.SentinelReadyAsync(sentinel.PrimaryEndpoint.Port, secret, RedisSentinelGroup.ServiceName, replicas, cancellationToken))
                    {
                        return true;
                    }
                }

                return false;
            });

        // masterauth: any server may become a replica after a failover.
        IResourceBuilder<RedisProcessResource> AddServer(int index) => builder.AddRedisProcess($"{name}-{index}", password)
            .OnBeforeResourceStarted((resource, _, cancellationToken) => resource.WriteConfigAsync("masterauth {0}\nreplica-announce-ip 127.0.0.1\n", cancellationToken))
            .WithArgs(context => ((RedisProcessResource)context.Resource).AddArguments(context.Args));
    }
}
