using System.Globalization;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Messaging.Bus;
using Platform.Messaging.Inbox;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.Sagas;

/// <summary>
/// Hands step commands to this service's <see cref="ISagaStepHandler"/>s. A step's business failure is answered with
/// <see cref="SagaStepFailed"/> (recorded in the step ledger in the same transaction); anything else is left to the
/// bus's retries and redeliveries. When fault injection is allowed (tests only), a command can carry a fault for its
/// step: <c>fail</c> answers failed, <c>hang</c> never answers, <c>throw-until:&lt;unix ms&gt;</c> throws (a transient
/// fault: retried, then redelivered) until then, <c>crash-until:&lt;unix ms&gt;</c> throws a permanent fault (straight
/// to the error queue) until then.
/// </summary>
public sealed class SagaStepConsumer(IEnumerable<ISagaStepHandler> handlers, NpgsqlDataSource db, SagaOptions options, TimeProvider clock, ILogger<SagaStepConsumer> logger)
    : IConsumer<ExecuteSagaStep>, IConsumer<CompensateSagaStep>
{
    private readonly Dictionary<(string, string), ISagaStepHandler> _handlers = handlers.ToDictionary(h => (h.Saga, h.StepName));

    public async Task Consume(ConsumeContext<ExecuteSagaStep> context)
    {
        var command = context.Message;
        var (handler, step) = Resolve(context, command.SagaId, command.Saga, command.Step, command.Data, command.ReplyTo);
        if (options.AllowFaultInjection && command.Fault is { } fault)
        {
            if (fault == "hang")
            {
                logger.LogWarning("Injected fault: step {Saga}/{Step} of {SagaId} does not answer.", command.Saga, command.Step, command.SagaId);
                return;
            }

            if (fault == "fail")
            {
                await FailAsync(step, "Injected failure.", context.CancellationToken);
                return;
            }

            if (Until(fault, "throw-until:"))
            {
                throw new InvalidOperationException($"Injected fault: step {command.Saga}/{command.Step} throws.");
            }

            if (Until(fault, "crash-until:"))
            {
                throw new PermanentMessageException($"Injected fault: step {command.Saga}/{command.Step} cannot process this message.");
            }
        }

        try
        {
            await handler.ExecuteAsync(step, context.CancellationToken);
        }
        catch (SagaStepFailedException e)
        {
            await FailAsync(step, e.Message, context.CancellationToken);
        }

        await CountIfDuplicateAsync(step, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<CompensateSagaStep> context)
    {
        var command = context.Message;
        var (handler, step) = Resolve(context, command.SagaId, command.Saga, command.Step, command.Data, command.ReplyTo);
        await handler.CompensateAsync(step, context.CancellationToken);
        await CountIfDuplicateAsync(step, context.CancellationToken);
    }

    private Task CountIfDuplicateAsync(SagaStep step, CancellationToken cancellationToken)
        => step.Duplicate ? Inbox.CountDuplicateAsync(db, step.InboxName, step.MessageId, cancellationToken) : Task.CompletedTask;

    private bool Until(string fault, string prefix)
        => fault.StartsWith(prefix, StringComparison.Ordinal)
           && long.TryParse(fault[prefix.Length..], CultureInfo.InvariantCulture, out var until) && until > clock.GetUtcNow().ToUnixTimeMilliseconds();

    private (ISagaStepHandler Handler, SagaStep Step) Resolve(ConsumeContext context, Guid sagaId, string saga, string name, string data, string replyTo)
    {
        if (!_handlers.TryGetValue((saga, name), out var handler))
        {
            throw new PermanentMessageException($"This service has no handler for step {saga}/{name}.");
        }

        var values = JsonNode.Parse(data) as JsonObject ?? throw new PermanentMessageException("The saga's data is not a JSON object.");
        return (handler, new SagaStep(sagaId, saga, name, context.MessageId ?? throw new PermanentMessageException("No message id."), values, replyTo));
    }

    // The ledger says "failed" (so a redelivered command does not run the step after all) and the reply goes out with it.
    private async Task FailAsync(SagaStep step, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var record = Sql.Command(connection, transaction,
            "INSERT INTO saga_steps (saga_id, step, state) VALUES ($1, $2, 'failed') ON CONFLICT (saga_id, step) DO NOTHING", step.SagaId, step.Name);
        if (await record.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            await Outbox.WriteAsync(connection, transaction, [step.Failed(reason)], cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogWarning("Step {Saga}/{Step} of {SagaId} failed: {Reason}", step.Saga, step.Name, step.SagaId, reason);
    }
}
