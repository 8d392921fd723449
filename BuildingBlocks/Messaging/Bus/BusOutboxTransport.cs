using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using MessageHeaders = Platform.Messaging.Kafka.MessageHeaders;
using Platform.Messaging.Outbox;

namespace Platform.Messaging.Bus;

/// <summary>
/// Delivers outbox messages to a bus queue through MassTransit: the payload becomes its contract type again, the message
/// id, correlation id and redelivery count ride along as headers, and the send waits for the broker's confirm.
/// </summary>
internal sealed class BusOutboxTransport(IBus bus) : IOutboxTransport
{
    private static readonly ConcurrentDictionary<string, Type?> Types = new();

    public string Name => OutboxTransports.Bus;

    public async Task<DeliveryFailure?> SendAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var type = Types.GetOrAdd(message.Type, name => Type.GetType(name, throwOnError: false));
        if (type is null)
        {
            return new DeliveryFailure(true, $"Unknown message type {message.Type}.");
        }

        object body;
        try
        {
            body = JsonSerializer.Deserialize(message.Payload, type, JsonSerializerOptions.Web) ?? throw new JsonException("Empty body.");
        }
        catch (JsonException e)
        {
            return new DeliveryFailure(true, "Unreadable body: " + e.Message);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{message.Topic}"));
            await endpoint.Send(body, type, Pipe.Execute<SendContext>(context =>
            {
                context.MessageId = Guid.Parse(message.Headers[MessageHeaders.MessageId]);
                if (message.Headers.TryGetValue(MessageHeaders.CorrelationId, out var correlationId))
                {
                    context.Headers.Set(BusHeaders.CorrelationId, correlationId);
                }

                if (message.Headers.TryGetValue(BusHeaders.Redelivery, out var redelivery))
                {
                    context.Headers.Set(BusHeaders.Redelivery, redelivery);
                }
            }), timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryFailure(false, "The broker did not confirm the message within 10 s.");
        }
        catch (Exception e) when (e is MassTransitException or RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or TimeoutException)
        {
            return new DeliveryFailure(false, e.Message);
        }
    }
}
