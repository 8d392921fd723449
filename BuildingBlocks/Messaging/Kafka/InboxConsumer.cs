using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Resilience;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Messaging.Kafka;

/// <summary>A message as a consumer sees it: the body plus the platform headers.</summary>
public sealed record ConsumedMessage(Guid MessageId, string Type, string Key, byte[] Body, string? CorrelationId, int Partition, long Offset)
{
    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, JsonSerializerOptions.Web) ?? throw new JsonException($"Empty {Type} message.");
}

/// <summary>
/// Consumes one topic in a consumer group and applies each message in a Postgres transaction together with its inbox
/// record, then stores the offset: at-least-once delivery, exactly-once effect. Partitions are processed in order, so
/// per-key (per-aggregate) order holds. A transient failure (a database outage) stalls the partition and retries with
/// the platform's backoff rather than skipping; a permanent one (an unreadable body, a constraint violation, a message
/// without an id, any error that is not transient) parks the message in inbox_dead_letters with the reason, records
/// its id so a redelivery does nothing, and moves on: a poison message never blocks its partition.
/// </summary>
public abstract class InboxConsumer(NpgsqlDataSource db, KafkaSettings settings, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected abstract string Topic { get; }

    /// <summary>The consumer group, also the inbox's consumer name.</summary>
    protected abstract string Name { get; }

    protected abstract Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ConsumedMessage message, CancellationToken cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>How long stopping waits for the consumer to commit its stored offsets and leave the group.</summary>
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(1);

    // The Kafka client blocks, so the loop owns a thread and waits on the handler there.
    private void Run(CancellationToken stoppingToken)
    {
        var consumer = new ConsumerBuilder<string, byte[]>(settings.Consumer(Name))
            .SetErrorHandler((_, error) => logger.LogWarning("Kafka consumer {Name}: {Reason}", Name, error.Reason))
            .Build();
        consumer.Subscribe(Topic);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string, byte[]>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    logger.LogWarning("Kafka consumer {Name} could not fetch: {Reason}", Name, e.Error.Reason);
                    continue;
                }

                if (result?.Message is null)
                {
                    continue;
                }

                HandleAsync(result, stoppingToken).GetAwaiter().GetResult();
                try
                {
                    consumer.StoreOffset(result);
                }
                catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_State)
                {
                    // The partition was taken away in a rebalance while this message was being applied (a slow database):
                    // its new owner reads it again from the last committed offset, and the inbox makes that a no-op.
                    logger.LogInformation("Consumer {Name} lost partition {Partition} during a rebalance; its new owner continues from the committed offset.", Name, result.Partition.Value);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: Close below commits the stored offsets and leaves the group at once
        }
        finally
        {
            // With the broker gone (it stops beside the service when the AppHost stops) Close would wait for it until
            // the process is killed. Past the deadline the consumer is left to the exiting process, not disposed under
            // a Close still running; offsets it could not commit are delivered again, and the inbox makes that a no-op.
            var closing = Task.Run(consumer.Close, CancellationToken.None);
            if (Task.WaitAny([closing], CloseDeadline) == 0)
            {
                consumer.Dispose();
                closing.GetAwaiter().GetResult(); // a Close that failed reports as it did before the deadline
            }
            else
            {
                logger.LogWarning("Kafka consumer {Name} could not leave its group within {Deadline} s; its uncommitted offsets will be read again.", Name, CloseDeadline.TotalSeconds);
            }
        }
    }

    private async Task HandleAsync(ConsumeResult<string, byte[]> result, CancellationToken stoppingToken)
    {
        var headers = result.Message.Headers;
        Guid? id = Guid.TryParse(headers.Get(MessageHeaders.MessageId), out var parsed) ? parsed : null;
        var message = new ConsumedMessage(id ?? Guid.Empty, headers.Get(MessageHeaders.MessageType) ?? "", result.Message.Key, result.Message.Value,
            headers.Get(MessageHeaders.CorrelationId), result.Partition.Value, result.Offset.Value);
        if (id is null)
        {
            await ParkAsync(message, null, "The message has no message id.", stoppingToken);
            return;
        }

        using var activity = MessagingTelemetry.Start($"{Topic} process", ActivityKind.Consumer, headers.Get(MessageHeaders.TraceParent));
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.consumer.group.name", Name);
        var correlationId = CorrelationId.AcceptOrNew(message.CorrelationId);
        CorrelationId.Current = correlationId;
        using var scope = logger.BeginScope(new CorrelationScope(correlationId, null));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
                if (await Inbox.Inbox.TryRecordAsync(connection, transaction, Name, message.MessageId, stoppingToken))
                {
                    await ApplyAsync(connection, transaction, message, stoppingToken);
                    await transaction.CommitAsync(stoppingToken);
                    MessagingTelemetry.Consumed.Add(1);
                }
                else
                {
                    await transaction.RollbackAsync(stoppingToken);
                    await Inbox.Inbox.CountDuplicateAsync(db, Name, message.MessageId, stoppingToken);
                }

                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && ResilienceRules.IsTransient(e))
            {
                // The effect did not commit: retry the same message (the partition waits; nothing is skipped).
                logger.LogWarning("Consumer {Name} could not apply {MessageId} (attempt {Attempt}): {Reason}", Name, message.MessageId, attempt, e.Message);
                await Task.Delay(ResilienceRules.Backoff(attempt, ResilienceRules.RedeliveryCeiling), clock, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                await ParkAsync(message, message.MessageId, $"{e.GetType().Name}: {e.Message}", stoppingToken);
                return;
            }
        }
    }

    /// <summary>Parks a message that can never apply, with its id in the inbox (a redelivery does nothing), retrying transient failures.</summary>
    private async Task ParkAsync(ConsumedMessage message, Guid? messageId, string reason, CancellationToken stoppingToken)
    {
        logger.LogError("Consumer {Name} parks {Type} message {MessageId} ({Topic} [{Partition}] @{Offset}) as a dead letter: {Reason}",
            Name, message.Type, messageId, Topic, message.Partition, message.Offset, reason);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
                await Inbox.Inbox.ParkAsync(connection, transaction, Name, messageId, Topic, message, reason, stoppingToken);
                await transaction.CommitAsync(stoppingToken);
                MessagingTelemetry.InboxDeadLettered.Add(1);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && ResilienceRules.IsTransient(e))
            {
                logger.LogWarning("Consumer {Name} could not park {MessageId} (attempt {Attempt}): {Reason}", Name, messageId, attempt, e.Message);
                await Task.Delay(ResilienceRules.Backoff(attempt, ResilienceRules.RedeliveryCeiling), clock, stoppingToken);
            }
        }
    }
}
