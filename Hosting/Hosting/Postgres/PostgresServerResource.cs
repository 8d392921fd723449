using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Postgres;

public sealed class PostgresServerResource(string name, string password) : Resource(name), IResourceWithTcpConnectionString
{
    public const string UserName = "postgres";

    public string Password { get; } = password;

    public IList<PostgresDatabaseResource> Databases { get; } = [];

    internal int Port => this.AnnotationsOf<EndpointAnnotation>().Single().AllocatedPorts[0];

    public int ConnectionPort => Port;

    public string ConnectionStringFor(int port) => $"Host=127.0.0.1;Port={port};Username={UserName};Password={Password}";

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(ConnectionStringFor(Port));
}

public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithTcpConnectionString, IResourceWithParent
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Server { get; } = parent;

    IResource IResourceWithParent.Parent => Server;

    public int ConnectionPort => Server.Port;

    public string ConnectionStringFor(int port) => $"{Server.ConnectionStringFor(port)};Database={DatabaseName}";

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(ConnectionStringFor(Server.Port));
}
