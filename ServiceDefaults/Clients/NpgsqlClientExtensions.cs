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
    /// <param name="workerRole">
    /// When given, also a keyed data source (key: <paramref name="connectionName"/>) for the service's cross-tenant
    /// background work: its connections enter that role at start (a startup option, so it survives the pool's reset),
    /// and its commands may run longer than a request's.
    /// </param>
    public static IHostApplicationBuilder AddPlatformDatabase(this IHostApplicationBuilder builder, string connectionName, string? workerRole = null)
    {
        builder.AddNpgsqlDataSource(connectionName, configureDataSourceBuilder: dataSource =>
        {
            dataSource.Name = connectionName;
            dataSource.ConnectionStringBuilder.Timeout = 3;
            dataSource.ConnectionStringBuilder.CommandTimeout = 3;
            dataSource.ConnectionStringBuilder.CancellationTimeout = 500;
        });
        if (workerRole is not null)
        {
            builder.AddKeyedNpgsqlDataSource(connectionName, settings => settings.DisableHealthChecks = true, dataSource =>
            {
                dataSource.Name = $"{connectionName}-worker";
                dataSource.ConnectionStringBuilder.Timeout = 3;
                dataSource.ConnectionStringBuilder.CommandTimeout = 30;
                dataSource.ConnectionStringBuilder.Options = $"-c role={workerRole}";
            });
        }

        builder.Services.AddSingleton<Resilience.DatabaseCircuitBreaker>();
        return builder;
    }
}
