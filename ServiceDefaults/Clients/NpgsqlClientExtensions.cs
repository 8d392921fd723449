using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Platform.ServiceDefaults.Clients;

public static class NpgsqlClientExtensions
{
    /// <summary>
    /// The most connections a service's request pool opens (Npgsql's default is 100). A burst waits for a pooled
    /// connection, a few milliseconds each, instead of having Postgres fork and authenticate a hundred sessions at once:
    /// on two cores that took seconds, and requests of a 200-wide burst timed out opening theirs. It also keeps the
    /// graph's services, replicas included, well inside the server's 300 connections.
    /// </summary>
    public const int RequestPoolSize = 16;

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
            PrepareRepeatedStatements(dataSource.ConnectionStringBuilder);
            dataSource.ConnectionStringBuilder.MaxPoolSize = RequestPoolSize;
            dataSource.ConnectionStringBuilder.Timeout = 3;
            dataSource.ConnectionStringBuilder.CommandTimeout = 3;
            dataSource.ConnectionStringBuilder.CancellationTimeout = 500;
        });
        if (workerRole is not null)
        {
            builder.AddKeyedNpgsqlDataSource(connectionName, settings => settings.DisableHealthChecks = true, dataSource =>
            {
                dataSource.Name = $"{connectionName}-worker";
                PrepareRepeatedStatements(dataSource.ConnectionStringBuilder);
                dataSource.ConnectionStringBuilder.Timeout = 3;
                dataSource.ConnectionStringBuilder.CommandTimeout = 30;
                dataSource.ConnectionStringBuilder.Options = $"-c role={workerRole}";
            });
        }

        builder.Services.AddSingleton<Resilience.DatabaseCircuitBreaker>();
        return builder;
    }

    /// <summary>
    /// Npgsql's automatic preparation: a statement a connection has run a few times is prepared on the server and then
    /// bound, not parsed and planned again. Services repeat a small set of statements (Marten's appends, one INSERT per
    /// event of a new stream; the outbox, the inbox, the tenant transaction's entry) thousands of times; the event-store
    /// benchmark measures the difference (`./platform bench eventstore`, README). Prepared statements survive the pool's
    /// reset; the least recently used one is dropped beyond the limit.
    /// </summary>
    public static void PrepareRepeatedStatements(NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.MaxAutoPrepare = 128;
        connection.AutoPrepareMinUsages = 2;
    }
}
