using Confluent.Kafka;
using Polly;
using Polly.CircuitBreaker;
using Platform.Messaging.Outbox;

namespace Platform.Messaging.Kafka;

/// <summary>
/// Delivers outbox messages to their Kafka topic, keyed by aggregate, through the service's shared idempotent producer.
/// A Polly circuit breaker sits in front of the producer: once half of 10 or more deliveries in 10 s failed
/// transiently (a broker down), deliveries fail at once for 5 s instead of each waiting out the producer's 15 s
/// message timeout; the relay keeps the messages and retries them with backoff.
/// </summary>
internal sealed class KafkaOutboxTransport(IProducer<string, byte[]> producer) : IOutboxTransport
{
    private readonly ResiliencePipeline _breaker = new ResiliencePipelineBuilder()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = TimeSpan.FromSeconds(5),
            ShouldHandle = new PredicateBuilder().Handle<KafkaException>(e => !IsPermanent(e)),
        })
        .Build();

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
            await _breaker.ExecuteAsync(
                async ct => await producer.ProduceAsync(message.Topic, new Message<string, byte[]> { Key = message.Key, Value = message.Payload, Headers = MessageHeaders.ToKafka(message.Headers) }, ct),
                cancellationToken);
            return null;
        }
        catch (KafkaException e)
        {
            return new DeliveryFailure(IsPermanent(e), $"{e.Error.Code}: {e.Error.Reason}");
        }
        catch (BrokenCircuitException e)
        {
            return new DeliveryFailure(false, "Kafka circuit open: " + e.Message);
        }
    }

    private static bool IsPermanent(KafkaException e) => e is ProduceException<string, byte[]> && Permanent.Contains(e.Error.Code);
}
