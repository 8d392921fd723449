using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.RabbitMQ;

/// <summary>
/// RabbitMQ as a local process with a private node name, HOME, config and ports (AMQP, Erlang distribution and its
/// own epmd), and the connection string of Aspire's container resource.
/// </summary>
public sealed class RabbitMQProcessResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "sh", workingDirectory), IResourceWithConnectionString
{
    public const string UserName = "guest";

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{UserName}:{Password}@{PrimaryEndpoint.Property(EndpointProperty.IPV4Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
