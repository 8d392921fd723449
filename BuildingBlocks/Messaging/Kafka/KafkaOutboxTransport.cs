using Confluent.Kafka;
using Platform.Messaging.Outbox;

namespace Platform.Messaging.Kafka;

/// <summary>Delivers outbox messages to their Kafka topic, keyed by aggregate, through the service's shared idempotent producer.</summary>
internal sealed class KafkaOutboxTransport(IProducer<string, byte[]> producer) : IOutboxTransport
{
    private static readonly HashSet<ErrorCode> Permanent =
    [
        ErrorCode.MsgSizeTooLarge, ErrorCode.InvalidMsg, ErrorCode.InvalidMsgSize,
        ErrorCode.RecordListTooLarge, ErrorCode.TopicException, ErrorCode.TopicAuthorizationFailed, ErrorCode.Local_InvalidArg,
    ];

    public string Name => OutboxTransports.Kafka;

    public async Task<DeliveryFailure?> SendAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        try
        {
            await producer.ProduceAsync(message.Topic, new Message<string, byte[]> { Key = message.Key, Value = message.Payload, Headers = MessageHeaders.ToKafka(message.Headers) }, cancellationToken);
            return null;
        }
        catch (ProduceException<string, byte[]> e)
        {
            return new DeliveryFailure(Permanent.Contains(e.Error.Code), $"{e.Error.Code}: {e.Error.Reason}");
        }
        catch (KafkaException e)
        {
            return new DeliveryFailure(false, $"{e.Error.Code}: {e.Error.Reason}");
        }
    }
}
