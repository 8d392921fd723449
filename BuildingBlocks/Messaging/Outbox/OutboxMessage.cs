using System.Diagnostics;
using System.Text.Json;
using Platform.Messaging.Kafka;

namespace Platform.Messaging.Outbox;

/// <summary>The transports the outbox relay can deliver to.</summary>
public static class OutboxTransports
{
    /// <summary>Integration events on Kafka; <see cref="OutboxMessage.Topic"/> is the topic.</summary>
    public const string Kafka = "kafka";

    /// <summary>Commands and saga traffic on the MassTransit bus; <see cref="OutboxMessage.Topic"/> is the receiving queue.</summary>
    public const string Bus = "bus";
}

/// <summary>
/// A message a transaction has decided to send: stored with that transaction, delivered by the relay after it commits.
/// With <see cref="DueAt"/> it is a scheduled message (a saga timeout, a redelivery): it waits in the durable
/// schedule and joins the outbox when it is due.
/// </summary>
public sealed record OutboxMessage(Guid Id, string Transport, string Topic, string Key, string Type, byte[] Payload, IReadOnlyDictionary<string, string> Headers)
{
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The message id consumers dedupe on (the outbox row id unless the message is a redelivery).</summary>
    public Guid MessageId => Guid.Parse(Headers[MessageHeaders.MessageId]);

    /// <summary>A JSON event for Kafka, keyed by its aggregate (so Kafka keeps per-aggregate order), with the ambient trace context.</summary>
    public static OutboxMessage Create<T>(string topic, string key, string type, T message, string? correlationId, Guid? causationId)
        where T : notnull
        => Build(OutboxTransports.Kafka, topic, key, type, JsonSerializer.SerializeToUtf8Bytes(message, JsonSerializerOptions.Web), correlationId, causationId);

    /// <summary>A command for the bus, sent to <paramref name="queue"/>; messages of one <paramref name="key"/> are sent in order.</summary>
    public static OutboxMessage Send<T>(string queue, string key, T message, string? correlationId, Guid? causationId = null)
        where T : class
        => Build(OutboxTransports.Bus, queue, key, BusMessageType(typeof(T)), JsonSerializer.SerializeToUtf8Bytes(message, JsonSerializerOptions.Web), correlationId, causationId);

    /// <summary>The type name the bus transport resolves the payload's CLR type from.</summary>
    public static string BusMessageType(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    private static OutboxMessage Build(string transport, string topic, string key, string type, byte[] payload, string? correlationId, Guid? causationId)
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

        return new OutboxMessage(id, transport, topic, key, type, payload, headers);
    }
}
