using MassTransit;
using Platform.ServiceDefaults.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Messaging.Outbox;

namespace Platform.Messaging.Bus;

/// <summary>The bus of one service: its RabbitMQ connection and the queue its consumers share (one queue per service).</summary>
public sealed record BusSettings(Uri Broker, string UserName, string Password, string Queue)
{
    /// <summary>Where messages go after their retries and redeliveries are spent (MassTransit's naming).</summary>
    public string ErrorQueue => Queue + "_error";

    /// <summary>Settings from the graph's connection string (<c>amqp://user:password@host:port/</c>).</summary>
    public static BusSettings Parse(string connectionString, string queue)
    {
        var uri = new Uri(connectionString);
        var credentials = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
        return new BusSettings(uri, credentials[0], credentials.ElementAtOrDefault(1) ?? "", queue);
    }

    /// <summary>Second-level retries through the durable schedule, after the immediate ones: delays of 1, 4 and 16 s.</summary>
    public IReadOnlyList<TimeSpan> Redeliveries { get; init; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(16)];
}

public static class BusExtensions
{
    /// <summary>
    /// MassTransit over the graph's RabbitMQ (<c>ConnectionStrings:{connectionName}</c>), set up the same way for every
    /// service: one receive endpoint named <paramref name="queue"/> with the consumers <paramref name="consumers"/>
    /// registers; immediate retries with exponential backoff; redeliveries through the outbox's durable schedule; then
    /// the error queue (inspect and replay with <see cref="BusErrors"/>). Correlation id and trace context travel
    /// on every message; the bus's health is part of /health. Messages a transaction decides to send go through the
    /// outbox (<see cref="OutboxMessage.Send{T}"/>), so this also registers the outbox's bus transport.
    /// </summary>
    public static IHostApplicationBuilder AddBus(this IHostApplicationBuilder builder, string connectionName, string queue, Action<IBusRegistrationConfigurator> consumers)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
                               ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not configured; the AppHost passes it with WithReference.");
        var settings = BusSettings.Parse(connectionString, queue);
        var uri = settings.Broker;
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<IOutboxTransport, BusOutboxTransport>();
        builder.Services.AddSingleton<BusErrors>();
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = false; // a broker outage at start must not keep the service from serving HTTP
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddMassTransit(bus =>
        {
            consumers(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri($"rabbitmq://{uri.Host}:{uri.Port}/"), host =>
                {
                    host.Username(settings.UserName);
                    host.Password(settings.Password);
                    host.RequestedConnectionTimeout(TimeSpan.FromSeconds(5));
                    host.Heartbeat(TimeSpan.FromSeconds(5));
                });
                rabbit.UseSendFilter(typeof(CorrelationSendFilter<>), context);
                rabbit.UseConsumeFilter(typeof(CorrelationConsumeFilter<>), context);
                rabbit.ReceiveEndpoint(queue, endpoint =>
                {
                    endpoint.PrefetchCount = 32;
                    endpoint.UseConsumeFilter(typeof(RedeliveryFilter<>), context);
                    endpoint.UseMessageRetry(retry =>
                    {
                        // Transient failures are retried in place with the platform's backoff; any other failure goes
                        // straight to the redelivery schedule (and a permanent one to the error queue).
                        retry.Exponential(ResilienceRules.Retries, ResilienceRules.FirstDelay, ResilienceRules.ReconnectCeiling, ResilienceRules.FirstDelay);
                        retry.Handle<Exception>(ResilienceRules.IsTransient);
                    });
                    endpoint.ConfigureConsumers(context);
                });
            });
        });
        return builder;
    }
}

/// <summary>Thrown by a consumer for a message that can never succeed: no retries, no redelivery, straight to the error queue.</summary>
public sealed class PermanentMessageException(string message) : Exception(message);
