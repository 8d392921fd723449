using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Clients;

/// <summary>
/// Aspire.StackExchange.Redis's multiplexer for <c>ConnectionStrings:{name}</c> (with its health check and traces),
/// set to fail fast while disconnected (callers fail open) and to reconnect with the platform's backoff; plus the circuit
/// breaker every Redis call goes through and the revocation list.
/// </summary>
public static class RedisClientExtensions
{
    public static IHostApplicationBuilder AddPlatformRedis(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.AddRedisClient(connectionName, configureOptions: options =>
        {
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2000;
            options.SyncTimeout = 2000;
            options.ReconnectRetryPolicy = new PlatformReconnect();
            options.BacklogPolicy = BacklogPolicy.FailFast; // while disconnected, fail at once instead of queueing until the timeout
        });
        builder.Services.AddSingleton<RedisCircuitBreaker>();
        builder.Services.AddSingleton<RevokedTokens>();
        return builder;
    }

    private sealed class PlatformReconnect : IReconnectRetryPolicy
    {
        public bool ShouldRetry(long currentRetryCount, int timeElapsedMillisecondsSinceLastRetry)
            => timeElapsedMillisecondsSinceLastRetry >= ResilienceRules.Backoff((int)Math.Min(currentRetryCount + 1, 20), ResilienceRules.ReconnectCeiling).TotalMilliseconds;
    }
}
