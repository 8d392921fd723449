using System.Text;
using RabbitMQ.Client;

namespace Platform.Messaging.Bus;

/// <summary>A message in a service's error queue, with the reason MassTransit recorded when it gave up on it.</summary>
public sealed record BusErrorMessage(string MessageId, string? MessageType, string? Reason, string? Exception, DateTimeOffset? FailedAt);

/// <summary>
/// The service's error queue (<see cref="BusSettings.ErrorQueue"/>): list what is parked there and why, and replay a
/// message into the service's queue once its cause is fixed. Listing only peeks: the messages stay in the queue.
/// </summary>
public sealed class BusErrors(BusSettings settings)
{
    public async Task<IReadOnlyList<BusErrorMessage>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        if (!await ExistsAsync(connection, cancellationToken))
        {
            return [];
        }

        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var messages = new List<BusErrorMessage>();
        while (messages.Count < limit && await channel.BasicGetAsync(settings.ErrorQueue, autoAck: false, cancellationToken) is { } result)
        {
            messages.Add(Describe(result));
        }

        return messages; // closing the channel without acks leaves them all in the queue
    }

    /// <summary>Moves the message with this id back to the service's queue; false when it is not in the error queue.</summary>
    public async Task<bool> ReplayAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        if (!await ExistsAsync(connection, cancellationToken))
        {
            return false;
        }

        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        while (await channel.BasicGetAsync(settings.ErrorQueue, autoAck: false, cancellationToken) is { } result)
        {
            if (result.BasicProperties.MessageId != messageId)
            {
                continue; // left unacknowledged: back in the error queue when the channel closes
            }

            var properties = new BasicProperties(result.BasicProperties)
            {
                Headers = result.BasicProperties.Headers?.Where(h => !h.Key.StartsWith("MT-Fault", StringComparison.Ordinal) && !h.Key.StartsWith("MT-Reason", StringComparison.Ordinal))
                    .ToDictionary(h => h.Key, h => h.Value),
            };
            // MassTransit binds an exchange named after each queue to it: publishing there is "send to the queue".
            await channel.BasicPublishAsync(settings.Queue, "", mandatory: true, properties, result.Body, cancellationToken);
            await channel.BasicAckAsync(result.DeliveryTag, multiple: false, cancellationToken);
            return true;
        }

        return false;
    }

    // MassTransit creates the error queue with the first message it parks there.
    private async Task<bool> ExistsAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await probe.QueueDeclarePassiveAsync(settings.ErrorQueue, cancellationToken);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    private Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
        => new ConnectionFactory { HostName = settings.Broker.Host, Port = settings.Broker.Port, UserName = settings.UserName, Password = settings.Password }
            .CreateConnectionAsync("platform-error-queue", cancellationToken);

    private static BusErrorMessage Describe(BasicGetResult result)
    {
        var headers = result.BasicProperties.Headers ?? new Dictionary<string, object?>();
        string? Header(string name) => headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => value.ToString(),
        } : null;

        return new BusErrorMessage(
            result.BasicProperties.MessageId ?? "",
            Header("MT-Fault-MessageType") ?? Header("MT-MessageType"),
            Header("MT-Reason"),
            Header("MT-Fault-Message"),
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), System.Globalization.CultureInfo.InvariantCulture, out var at) ? at : null);
    }
}
