using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Messaging;

/// <summary>Spans and counters of the outbox relay and the Kafka consumers (source and meter "Platform.Messaging").</summary>
internal static class MessagingTelemetry
{
    public static readonly ActivitySource Source = new("Platform.Messaging");
    private static readonly Meter Meter = new("Platform.Messaging");

    public static readonly Counter<long> Delivered = Meter.CreateCounter<long>("platform.outbox.delivered", description: "Outbox messages published to Kafka.");
    public static readonly Counter<long> Retried = Meter.CreateCounter<long>("platform.outbox.retried", description: "Outbox deliveries that failed and will be retried.");
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("platform.outbox.dead_lettered", description: "Outbox messages parked as dead letters.");

    public static readonly Counter<long> InboxDeadLettered = Meter.CreateCounter<long>("platform.inbox.dead_lettered", description: "Consumed messages parked as dead letters (they could never apply).");
    public static readonly Counter<long> Consumed = Meter.CreateCounter<long>("platform.consumer.processed", description: "Kafka messages whose effect committed.");
    public static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("platform.consumer.duplicates", description: "Kafka messages the inbox had already seen.");

    /// <summary>A span that continues the trace the message was written in (its stored traceparent).</summary>
    public static Activity? Start(string name, ActivityKind kind, string? traceParent)
        => ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
}
