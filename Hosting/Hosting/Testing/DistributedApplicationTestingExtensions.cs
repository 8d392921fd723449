using Npgsql;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Testing;

public static class DistributedApplicationTestingExtensions
{
    /// <summary>An HttpClient whose base address is the resource's endpoint (the first replica's).</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication app, string resourceName, string endpointName = "http")
        => new() { BaseAddress = app.GetEndpoint(resourceName, endpointName) };

    public static Uri GetEndpoint(this DistributedApplication app, string resourceName, string endpointName = "http", int replica = 0)
    {
        var endpoint = app.GetResource(resourceName).AnnotationsOf<EndpointAnnotation>().FirstOrDefault(e => e.Name == endpointName)
                       ?? throw new ArgumentException($"'{resourceName}' has no endpoint named '{endpointName}'.", nameof(endpointName));
        return new Uri(endpoint.UrlFor(replica));
    }

    public static ValueTask<string> GetConnectionStringAsync(this DistributedApplication app, string resourceName, CancellationToken cancellationToken = default)
        => app.GetResource(resourceName) is IResourceWithConnectionString resource
            ? resource.GetConnectionStringAsync(cancellationToken)
            : throw new ArgumentException($"'{resourceName}' has no connection string.", nameof(resourceName));

    /// <summary>
    /// A new, empty database on one of the graph's Postgres servers, for a test or benchmark that needs a store of its
    /// own next to the services' databases. Returns its connection string; it goes away with the run.
    /// </summary>
    public static async Task<string> CreateScratchDatabaseAsync(this DistributedApplication app, string postgresServer, string prefix, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(await app.GetConnectionStringAsync(postgresServer, cancellationToken));
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        builder.Database = name;
        return builder.ConnectionString;
    }
}
