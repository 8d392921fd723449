using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.Messaging.Outbox;

public static class OutboxRelayExtensions
{
    /// <summary>
    /// Runs an outbox relay in this service: it delivers the service's committed outbox messages through the transports
    /// registered with AddKafkaClient and AddBus, and releases scheduled messages when due.
    /// </summary>
    public static IHostApplicationBuilder AddOutboxRelay(this IHostApplicationBuilder builder, Action<OutboxRelayOptions>? configure = null)
    {
        var options = new OutboxRelayOptions();
        configure?.Invoke(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<OutboxRelay>();
        return builder;
    }
}
