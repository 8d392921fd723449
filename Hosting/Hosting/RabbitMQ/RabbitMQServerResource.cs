using System.Security.Cryptography;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.RabbitMQ;

public sealed class RabbitMQServerResource(string name, string userName, string password) : Resource(name), IResourceWithTcpConnectionString
{
    public string UserName { get; } = userName;

    public string Password { get; } = password;

    internal int Port => this.AnnotationsOf<EndpointAnnotation>().Single(e => e.Name == "tcp").AllocatedPorts[0];

    /// <summary>Erlang distribution port and epmd port; private per run so two graphs never share a node registry.</summary>
    internal int DistributionPort => this.AnnotationsOf<EndpointAnnotation>().Single(e => e.Name == "dist").AllocatedPorts[0];

    internal int EpmdPort => this.AnnotationsOf<EndpointAnnotation>().Single(e => e.Name == "epmd").AllocatedPorts[0];

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(ConnectionStringFor(Port));

    public int ConnectionPort => Port;

    public string ConnectionStringFor(int port) => $"amqp://{UserName}:{Password}@127.0.0.1:{port}/";
}

public static class RabbitMQBuilderExtensions
{
    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this IDistributedApplicationBuilder builder, string name)
    {
        var rabbit = new RabbitMQServerResource(name, "platform", RandomNumberGenerator.GetHexString(24, lowercase: true));
        rabbit.Annotations.Add(new EndpointAnnotation("tcp", "amqp"));
        rabbit.Annotations.Add(new EndpointAnnotation("dist", "tcp"));
        rabbit.Annotations.Add(new EndpointAnnotation("epmd", "tcp"));
        return builder.AddResource(rabbit);
    }
}
