using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Messaging.Bus;
using Platform.Messaging.Inbox;
using Platform.Messaging.Outbox;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Sagas;

/// <summary>
/// Starts sagas and moves them on as their steps answer. Each answer is one transaction: the inbox record, the saga's
/// new state (optimistically: a concurrent answer makes this one retry), the commands and timeouts it sends (outbox),
/// and the completion or failure hook. A duplicate answer, or one that no longer fits, changes nothing.
/// </summary>
public sealed class SagaOrchestrator(IEnumerable<SagaDefinition> sagas, NpgsqlDataSource db, BusSettings bus, SagaOptions options, TimeProvider clock, ILogger<SagaOrchestrator> logger)
    : IConsumer<SagaStepCompleted>, IConsumer<SagaStepFailed>, IConsumer<SagaStepCompensated>, IConsumer<SagaStepTimedOut>
{
    private readonly Dictionary<string, SagaDefinition> _sagas = sagas.ToDictionary(s => s.Name);

    public Task Consume(ConsumeContext<SagaStepCompleted> context) => HandleAsync(context, context.Message, context.Message.SagaId, context.Message.Saga);

    public Task Consume(ConsumeContext<SagaStepFailed> context) => HandleAsync(context, context.Message, context.Message.SagaId, context.Message.Saga);

    public Task Consume(ConsumeContext<SagaStepCompensated> context) => HandleAsync(context, context.Message, context.Message.SagaId, context.Message.Saga);

    public Task Consume(ConsumeContext<SagaStepTimedOut> context) => HandleAsync(context, context.Message, context.Message.SagaId, context.Message.Saga);

    private async Task HandleAsync(ConsumeContext context, object message, Guid sagaId, string sagaName)
    {
        if (!_sagas.TryGetValue(sagaName, out var saga))
        {
            throw new PermanentMessageException($"This service does not orchestrate '{sagaName}' sagas.");
        }

        var ct = context.CancellationToken;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var inbox = $"saga.{saga.Name}";
        var messageId = context.MessageId ?? throw new PermanentMessageException("No message id.");
        if (!await Inbox.TryRecordAsync(connection, transaction, inbox, messageId, ct))
        {
            await transaction.RollbackAsync(ct);
            await Inbox.CountDuplicateAsync(db, inbox, messageId, ct);
            return;
        }

        var state = await SagaStore.FindAsync(connection, transaction, sagaId, ct);
        var decision = state is null ? null : SagaMachine.Decide(saga, state, message, options.StepTimeout);
        if (state is not null && decision is not null)
        {
            await SagaStore.UpdateAsync(connection, transaction, decision.Next, state.Version, ct);
            await CancelTimeoutsAsync(connection, transaction, sagaId, ct);
            var outbox = Messages(saga, decision, bus, options, clock);
            var hook = new SagaContext(sagaId, decision.Next.Data, decision.Next.Error, connection, transaction, outbox);
            if (decision.Next.Status != state.Status && decision.Next.Status == SagaStatus.Completed)
            {
                await saga.OnCompletedAsync(hook, ct);
            }
            else if (decision.Next.Status != state.Status && decision.Next.Status == SagaStatus.Failed)
            {
                await saga.OnFailedAsync(hook, ct);
            }

            await Outbox.WriteAsync(connection, transaction, outbox, ct);
            logger.LogInformation("Saga {Saga} {SagaId}: {Message} -> {Status} at {Step}", saga.Name, sagaId, message.GetType().Name, decision.Next.Status, saga.Steps[decision.Next.Step].Name);
        }

        await transaction.CommitAsync(ct);
        if (state is not null && decision is not null && decision.Next.Status != state.Status && decision.Next.Ended)
        {
            SagaTelemetry.Ended.Add(1, new KeyValuePair<string, object?>("saga", saga.Name), new KeyValuePair<string, object?>("status", decision.Next.Status));
        }
    }

    // The step answered (or the saga moved on): its timeout, still waiting in the schedule, is dropped.
    private async Task CancelTimeoutsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid sagaId, CancellationToken cancellationToken)
    {
        await using var cancel = Platform.Postgres.Sql.Command(connection, transaction,
            "DELETE FROM outbox_scheduled WHERE key = $1 AND topic = $2 AND type = $3", sagaId.ToString(), bus.Queue, OutboxMessage.BusMessageType(typeof(SagaStepTimedOut)));
        await cancel.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static List<OutboxMessage> Messages(SagaDefinition saga, SagaDecision decision, BusSettings bus, SagaOptions options, TimeProvider clock)
    {
        var state = decision.Next;
        var key = state.Id.ToString();
        var data = state.Data.ToJsonString();
        var messages = new List<OutboxMessage>();
        foreach (var command in decision.Commands)
        {
            var queue = saga.Steps.Single(s => s.Name == command.Step).Queue;
            messages.Add(command.Kind switch
            {
                SagaCommandKind.Execute => OutboxMessage.Send(queue, key,
                    new ExecuteSagaStep(state.Id, saga.Name, command.Step, command.Attempt, data, bus.Queue, state.Faults?.GetValueOrDefault(command.Step)), CorrelationId.Current),
                SagaCommandKind.Compensate => OutboxMessage.Send(queue, key,
                    new CompensateSagaStep(state.Id, saga.Name, command.Step, command.Attempt, data, bus.Queue), CorrelationId.Current),
                _ => OutboxMessage.Send(bus.Queue, key, new SagaStepTimedOut(state.Id, saga.Name, command.Step, command.Attempt), CorrelationId.Current)
                    with { DueAt = clock.GetUtcNow() + options.StepTimeout },
            });
        }

        return messages;
    }
}
