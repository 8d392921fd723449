using System.Text;
using Confluent.Kafka;

namespace Platform.Messaging.Kafka;

/// <summary>The headers every platform message carries on Kafka, so consumers can dedupe, route and correlate without parsing the body.</summary>
public static class MessageHeaders
{
    public const string MessageId = "message-id";
    public const string MessageType = "message-type";
    public const string CorrelationId = "correlation-id";
    public const string CausationId = "causation-id";
    public const string TraceParent = "traceparent";

    public static Headers ToKafka(IReadOnlyDictionary<string, string> headers)
    {
        var kafka = new Headers();
        foreach (var (name, value) in headers)
        {
            kafka.Add(name, Encoding.UTF8.GetBytes(value));
        }

        return kafka;
    }

    public static string? Get(this Headers headers, string name)
        => headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : null;
}
