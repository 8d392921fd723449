using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;
using MessageHeaders = Platform.Messaging.Kafka.MessageHeaders;
using Platform.Messaging.Outbox;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Messaging.Bus;

/// <summary>
/// Second-level retries: when a message has failed all its immediate retries, it is scheduled to come back to this
/// service's queue later (1, 4, 16 s), through the outbox's durable schedule, so a redelivery survives a restart and
/// needs no broker plugin. It keeps its message id (the inbox still recognises it). After the last redelivery, or for
/// a <see cref="PermanentMessageException"/>, the failure goes on to MassTransit's error queue.
/// </summary>
public sealed class RedeliveryFilter<T>(NpgsqlDataSource db, BusSettings settings, TimeProvider clock, ILogger<RedeliveryFilter<T>> logger) : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        try
        {
            await next.Send(context);
        }
        catch (Exception e) when (e is not (PermanentMessageException or OperationCanceledException)
                                  && Redelivery(context) < settings.Redeliveries.Count && context.MessageId is not null)
        {
            var redelivery = Redelivery(context) + 1;
            var message = OutboxMessage.Send(settings.Queue, context.MessageId.Value.ToString(), context.Message, CorrelationId.Current);
            var headers = new Dictionary<string, string>(message.Headers)
            {
                [MessageHeaders.MessageId] = context.MessageId.Value.ToString(),
                [BusHeaders.Redelivery] = redelivery.ToString(CultureInfo.InvariantCulture),
            };
            await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
            await Outbox.Outbox.WriteAsync(connection, null, [message with { Headers = headers, DueAt = clock.GetUtcNow() + settings.Redeliveries[redelivery - 1] }], context.CancellationToken);
            logger.LogWarning("{MessageType} {MessageId} failed its retries ({Reason}); redelivery {Redelivery} of {Max} is scheduled.",
                typeof(T).Name, context.MessageId, e.Message, redelivery, settings.Redeliveries.Count);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("platform-redelivery");

    private static int Redelivery(ConsumeContext context)
        => int.TryParse(context.Headers.Get<string>(BusHeaders.Redelivery), CultureInfo.InvariantCulture, out var count) ? count : 0;
}
