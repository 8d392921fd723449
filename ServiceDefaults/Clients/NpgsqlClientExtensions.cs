using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.ServiceDefaults.Clients;

public static class NpgsqlClientExtensions
{
    /// <summary>
    /// Aspire.Npgsql's data source for <c>ConnectionStrings:{name}</c> (with its health check, traces and metrics), with
    /// timeouts shorter than the gateway's 5 s route budget, so an unreachable database is a 503 from the service that
    /// counts towards its circuit breaker rather than a gateway timeout.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformDatabase(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.AddNpgsqlDataSource(connectionName, configureDataSourceBuilder: dataSource =>
        {
            dataSource.Name = connectionName;
            dataSource.ConnectionStringBuilder.Timeout = 3;
            dataSource.ConnectionStringBuilder.CommandTimeout = 3;
            dataSource.ConnectionStringBuilder.CancellationTimeout = 500;
        });
        builder.Services.AddSingleton<Resilience.DatabaseCircuitBreaker>();
        return builder;
    }
}
