using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Platform.Messaging.Outbox;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Kafka;

/// <summary>The bootstrap servers of the graph's Kafka (<c>ConnectionStrings:{name}</c>) and the client settings every service shares.</summary>
public sealed record KafkaSettings(string BootstrapServers)
{
    public ProducerConfig Producer() => new()
    {
        BootstrapServers = BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 2,
        MessageTimeoutMs = 15_000,
        SocketTimeoutMs = 10_000,
        // librdkafka's backoffs are the platform's (exponential with ±20 % jitter): first wait and reconnect ceiling.
        RetryBackoffMs = (int)ResilienceRules.FirstDelay.TotalMilliseconds,
        RetryBackoffMaxMs = (int)ResilienceRules.ReconnectCeiling.TotalMilliseconds,
        ReconnectBackoffMs = (int)ResilienceRules.FirstDelay.TotalMilliseconds,
        ReconnectBackoffMaxMs = (int)ResilienceRules.ReconnectCeiling.TotalMilliseconds,
    };

    public ConsumerConfig Consumer(string groupId) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // Offsets are stored only after the effect has committed (at-least-once; the inbox absorbs redelivery).
        EnableAutoCommit = true,
        EnableAutoOffsetStore = false,
        AutoCommitIntervalMs = 200,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 1_000,
        // The in-memory broker answers a fetch only when this wait expires (the default 500 ms is then the floor of every delivery).
        FetchWaitMaxMs = 20,
        RetryBackoffMs = (int)ResilienceRules.FirstDelay.TotalMilliseconds,
        RetryBackoffMaxMs = (int)ResilienceRules.ReconnectCeiling.TotalMilliseconds,
        ReconnectBackoffMs = (int)ResilienceRules.FirstDelay.TotalMilliseconds,
        ReconnectBackoffMaxMs = (int)ResilienceRules.ReconnectCeiling.TotalMilliseconds,
    };
}

public static class KafkaClientExtensions
{
    /// <summary>Kafka settings, one shared idempotent producer (also the outbox's Kafka transport), and a readiness check that asks the cluster for metadata.</summary>
    public static IHostApplicationBuilder AddKafkaClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var bootstrap = builder.Configuration.GetConnectionString(connectionName)
                        ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured; the AppHost passes it with WithReference.");
        var settings = new KafkaSettings(bootstrap);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(_ => new ProducerBuilder<string, byte[]>(settings.Producer()).Build());
        builder.Services.AddSingleton<IOutboxTransport, KafkaOutboxTransport>();
        // One admin client for the life of the service (the registration's factory runs on every health check).
        builder.Services.AddSingleton(_ => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = settings.BootstrapServers, SocketTimeoutMs = 2_000 }).Build());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(connectionName, sp => new KafkaHealthCheck(sp.GetRequiredService<IAdminClient>()), HealthStatus.Unhealthy, null, TimeSpan.FromSeconds(3)));
        return builder;
    }

    private sealed class KafkaHealthCheck(IAdminClient admin) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.Run(() =>
            {
                try
                {
                    var metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
                    return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("No broker answered.");
                }
                catch (KafkaException e)
                {
                    return HealthCheckResult.Unhealthy(e.Message);
                }
            }, cancellationToken);
    }
}
