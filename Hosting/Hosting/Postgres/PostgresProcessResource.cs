using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Postgres;

/// <summary>
/// PostgreSQL as a local process: the machine's own server binaries (as the postgres OS user when the host runs as root),
/// a private data directory in the run's folder that survives restarts, a port DCP allocates. The connection string has
/// the shape of Aspire's container resource, so services cannot tell the two apart.
/// </summary>
public sealed class PostgresProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string UserName = "postgres";

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public string DataDirectory => Path.Combine(WorkingDirectory, "data");

    /// <summary>The databases to create once the server is ready.</summary>
    public IList<PostgresProcessDatabase> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.IPV4Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={Password}");
}
