using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Postgres;

/// <summary>A database of a local Postgres server: created when the server is first ready, healthy when it answers a query.</summary>
public sealed class PostgresProcessDatabase(string name, string databaseName, PostgresProcessResource parent)
    : Resource(name), IResourceWithParent<PostgresProcessResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public PostgresProcessResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
