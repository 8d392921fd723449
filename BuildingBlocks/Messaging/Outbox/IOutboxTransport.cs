namespace Platform.Messaging.Outbox;

/// <summary>A committed outbox message on its way out.</summary>
public sealed record OutboxEnvelope(string Topic, string Key, string Type, byte[] Payload, IReadOnlyDictionary<string, string> Headers);

/// <summary>Why a delivery failed; a permanent failure parks the message as a dead letter at once.</summary>
public readonly record struct DeliveryFailure(bool Permanent, string Reason);

/// <summary>Where the relay delivers messages of one <see cref="OutboxMessage.Transport"/>.</summary>
public interface IOutboxTransport
{
    string Name { get; }

    /// <summary>Null when the broker has acknowledged the message.</summary>
    Task<DeliveryFailure?> SendAsync(OutboxEnvelope message, CancellationToken cancellationToken);
}
