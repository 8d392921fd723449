using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Redis;

/// <summary>redis-server as a local process, in memory only, behind a password: the connection string of Aspire's container.</summary>
public sealed class RedisProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    /// <summary>Holds the password, so it appears in no process listing.</summary>
    public string ConfigFile => Path.Combine(WorkingDirectory, "redis.conf");

    /// <summary>redis-server's arguments: its config file, the port DCP allocated, loopback only, in memory only.</summary>
    internal void AddServerArguments(IList<object> args)
    {
        args.Add(ConfigFile);
        args.Add("--port");
        args.Add(PrimaryEndpoint.Property(EndpointProperty.TargetPort));
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--dir", WorkingDirectory, "--save", "", "--appendonly", "no", "--loglevel", "warning" })
        {
            args.Add(argument);
        }
    }

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.IPV4Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={Password}");
}
