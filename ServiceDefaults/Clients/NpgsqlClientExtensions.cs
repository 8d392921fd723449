using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Platform.ServiceDefaults.Clients;

public static class NpgsqlClientExtensions
{
    /// <summary>An NpgsqlDataSource for <c>ConnectionStrings:{name}</c> and a readiness check on it, as Aspire's client integration does.</summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
                               ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured; the AppHost passes it with WithReference.");
        var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = connectionName };
        // Shorter than the gateway's 5 s route budget, so an unreachable database is a 503 from the service (and counts
        // towards its circuit breaker) rather than a gateway timeout.
        dataSource.ConnectionStringBuilder.Timeout = 3;
        dataSource.ConnectionStringBuilder.CommandTimeout = 3;
        dataSource.ConnectionStringBuilder.CancellationTimeout = 500;
        builder.Services.AddSingleton(_ => dataSource.Build());
        builder.Services.AddSingleton<Resilience.DatabaseCircuitBreaker>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(connectionName, sp => new NpgsqlHealthCheck(sp.GetRequiredService<NpgsqlDataSource>()), HealthStatus.Unhealthy, null, TimeSpan.FromSeconds(3)));
        return builder;
    }

    private sealed class NpgsqlHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}
