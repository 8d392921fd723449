using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Redis;

public sealed class RedisResource(string name) : Resource(name), IResourceWithTcpConnectionString
{
    internal int Port => this.AnnotationsOf<EndpointAnnotation>().Single().AllocatedPorts[0];

    /// <summary>StackExchange.Redis configuration syntax, as Aspire passes it.</summary>
    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(ConnectionStringFor(Port));

    public int ConnectionPort => Port;

    public string ConnectionStringFor(int port) => $"127.0.0.1:{port}";
}

public static class RedisBuilderExtensions
{
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name)
    {
        var redis = new RedisResource(name);
        redis.Annotations.Add(new EndpointAnnotation("tcp", "tcp"));
        return builder.AddResource(redis);
    }
}
