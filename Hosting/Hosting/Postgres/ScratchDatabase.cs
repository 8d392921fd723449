using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Platform.Hosting.Postgres;

public static class ScratchDatabase
{
    /// <summary>
    /// A new, empty database on one of the graph's Postgres servers, for a test or benchmark that needs a store of its own
    /// next to the services' databases. Returns its connection string; it goes away with the server's data.
    /// </summary>
    public static async Task<string> CreateScratchDatabaseAsync(this DistributedApplication app, string postgresServer, string prefix, CancellationToken cancellationToken = default)
    {
        var server = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<IResourceWithConnectionString>().Single(r => r.Name == postgresServer);
        var builder = new NpgsqlConnectionStringBuilder(await server.GetConnectionStringAsync(cancellationToken));
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
