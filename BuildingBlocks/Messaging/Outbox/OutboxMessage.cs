using System.Diagnostics;
using System.Text.Json;
using Platform.Messaging.Kafka;

namespace Platform.Messaging.Outbox;

/// <summary>A message a transaction has decided to publish: stored with that transaction, sent by the relay after it commits.</summary>
public sealed record OutboxMessage(Guid Id, string Topic, string Key, string Type, byte[] Payload, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>A JSON message keyed by its aggregate (so Kafka keeps per-aggregate order), with the ambient correlation and trace context.</summary>
    public static OutboxMessage Create<T>(string topic, string key, string type, T message, string? correlationId, Guid? causationId)
        where T : notnull
    {
        var id = Guid.CreateVersion7();
        var headers = new Dictionary<string, string> { [MessageHeaders.MessageId] = id.ToString(), [MessageHeaders.MessageType] = type };
        if (correlationId is not null)
        {
            headers[MessageHeaders.CorrelationId] = correlationId;
        }

        if (causationId is { } causation)
        {
            headers[MessageHeaders.CausationId] = causation.ToString();
        }

        if (Activity.Current is { } activity)
        {
            headers[MessageHeaders.TraceParent] = activity.Id!;
        }

        return new OutboxMessage(id, topic, key, type, JsonSerializer.SerializeToUtf8Bytes(message, JsonSerializerOptions.Web), headers);
    }
}
