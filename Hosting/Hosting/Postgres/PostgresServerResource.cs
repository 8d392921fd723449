using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Postgres;

public sealed class PostgresServerResource(string name, string password) : Resource(name), IResourceWithConnectionString
{
    public const string UserName = "postgres";

    public string Password { get; } = password;

    public IList<PostgresDatabaseResource> Databases { get; } = [];

    internal int Port => this.AnnotationsOf<EndpointAnnotation>().Single().AllocatedPorts[0];

    public ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default)
        => ValueTask.FromResult($"Host=127.0.0.1;Port={Port};Username={UserName};Password={Password}");
}

public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Server { get; } = parent;

    IResource IResourceWithParent.Parent => Server;

    public async ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default)
        => $"{await Server.GetConnectionStringAsync(cancellationToken)};Database={DatabaseName}";
}
