using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Postgres;

/// <summary>
/// A database of a local Postgres server, created when the server is first ready, with a login of its own: a role of
/// the database's name that owns it, is no superuser, and is the only login allowed to connect to it (the service's
/// connection string carries it). Healthy when it answers a query.
/// </summary>
public sealed class PostgresProcessDatabase(string name, string databaseName, PostgresProcessResource parent, ParameterResource password)
    : Resource(name), IResourceWithParent<PostgresProcessResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    /// <summary>The login that owns the database.</summary>
    public string UserName => DatabaseName;

    public ParameterResource Password { get; } = password;

    public PostgresProcessResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Parent.PrimaryEndpoint.Property(EndpointProperty.IPV4Host)};Port={Parent.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={Password};Database={DatabaseName}");
}
