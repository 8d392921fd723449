using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Clients;

/// <summary>
/// The one place the platform touches StackExchange.Redis setup :
/// a shared multiplexer that keeps reconnecting in the background, the circuit breaker every Redis call goes through,
/// a readiness check, and the revocation list.
/// </summary>
public static class RedisClientExtensions
{
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
                               ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured; the AppHost passes it with WithReference.");
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 2000;
        options.ReconnectRetryPolicy = new LinearRetry(250); // the default backs off to seconds; caches and revocation want Redis back soon
        options.BacklogPolicy = BacklogPolicy.FailFast; // while disconnected, fail at once (callers fail open) instead of queueing until the timeout
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton<RedisCircuitBreaker>();
        builder.Services.AddSingleton<RevokedTokens>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(connectionName, sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()), HealthStatus.Unhealthy, null, TimeSpan.FromSeconds(3)));
        return builder;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (RedisException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}
