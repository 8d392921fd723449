using System.Security.Cryptography;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Postgres;

public static class PostgresBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name)
    {
        var server = new PostgresServerResource(name, RandomNumberGenerator.GetHexString(24, lowercase: true));
        server.Annotations.Add(new EndpointAnnotation("tcp", "tcp"));
        return builder.AddResource(server);
    }

    /// <summary>A database created on the server the first time it starts.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.AddResource(database);
    }
}
