using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Platform.Messaging.Inbox;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Sagas;

/// <summary>A step's business failure: the step did nothing and the saga compensates. (Transient faults are exceptions of their own and are retried.)</summary>
public sealed class SagaStepFailedException(string reason) : Exception(reason);

/// <summary>
/// Carries out one step of a saga in the service that owns its data. Both methods open the service's own unit of work,
/// claim the step in it (<see cref="SagaStep.ClaimAsync"/> / <see cref="SagaStep.ClaimCompensationAsync"/>), do their
/// work, add the reply (<see cref="SagaStep.Completed"/> / <see cref="SagaStep.Compensated"/>) to its outbox, and commit.
/// A step on plain Postgres derives from <see cref="PostgresSagaStep"/>, which does all of that but the work.
/// </summary>
public interface ISagaStepHandler
{
    string Saga { get; }

    string StepName { get; }

    Task ExecuteAsync(SagaStep command, CancellationToken cancellationToken);

    Task CompensateAsync(SagaStep command, CancellationToken cancellationToken);
}

/// <summary>One delivery of a step command, with what a handler needs to make it idempotent and to answer.</summary>
public sealed class SagaStep(Guid sagaId, string saga, string step, Guid messageId, JsonObject data, string replyTo)
{
    public Guid SagaId { get; } = sagaId;

    public string Saga { get; } = saga;

    public string Name { get; } = step;

    public JsonObject Data { get; } = data;

    public Guid MessageId { get; } = messageId;

    /// <summary>The consumer name this step's messages are recorded under in the inbox.</summary>
    public string InboxName => $"saga-step.{Saga}.{Name}";

    /// <summary>Set when <see cref="ClaimAsync"/> found this very message already applied.</summary>
    public bool Duplicate { get; private set; }

    /// <summary>
    /// An id that is the same every time this saga asks for <paramref name="name"/>: what a step creates can be found
    /// again by its compensation, even when the step's answer never reached the orchestrator.
    /// </summary>
    public Guid IdFor(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{SagaId:N}/{Name}/{name}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: custom
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public T Get<T>(string name) => Data[name] is { } value ? value.GetValue<T>() : throw new SagaStepFailedException($"The saga's data has no '{name}'.");

    public T? Find<T>(string name) => Data[name] is { } value ? value.Deserialize<T>(JsonSerializerOptions.Web) : default;

    /// <summary>
    /// Records, in the handler's transaction, that this step is done (and that this message was seen). False when the
    /// step already ran (a duplicate) or was compensated before it could run: then the handler does nothing.
    /// </summary>
    public async Task<bool> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (!await Inbox.TryRecordAsync(connection, transaction, InboxName, MessageId, cancellationToken))
        {
            Duplicate = true;
            return false;
        }

        await using var claim = Sql.Command(connection, transaction,
            "INSERT INTO saga_steps (saga_id, step, state) VALUES ($1, $2, 'done') ON CONFLICT (saga_id, step) DO NOTHING", SagaId, Name);
        return await claim.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Marks the step compensated in the handler's transaction, so it can never run later. True when it had run and
    /// its effect must now be undone; false when there is nothing to undo (it never ran, failed, or was undone already).
    /// </summary>
    public async Task<bool> ClaimCompensationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        // Insert first: if the step is running right now, this waits for it to commit, so its effect is seen and undone.
        await using var tombstone = Sql.Command(connection, transaction,
            "INSERT INTO saga_steps (saga_id, step, state) VALUES ($1, $2, 'compensated') ON CONFLICT (saga_id, step) DO NOTHING", SagaId, Name);
        if (await tombstone.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return false;
        }

        await using var mark = Sql.Command(connection, transaction,
            "UPDATE saga_steps SET state = 'compensated', updated_at = now() WHERE saga_id = $1 AND step = $2 AND state = 'done'", SagaId, Name);
        return await mark.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The reply that tells the orchestrator this step is done; <paramref name="output"/> joins the saga's data.</summary>
    public OutboxMessage Completed(object? output = null)
        => Reply(new SagaStepCompleted(SagaId, Saga, Name, output is null ? null : JsonSerializer.Serialize(output, JsonSerializerOptions.Web)));

    public OutboxMessage Compensated() => Reply(new SagaStepCompensated(SagaId, Saga, Name));

    internal OutboxMessage Failed(string reason) => Reply(new SagaStepFailed(SagaId, Saga, Name, reason));

    private OutboxMessage Reply<T>(T message)
        where T : class
        => OutboxMessage.Send(replyTo, SagaId.ToString(), message, CorrelationId.Current, MessageId);
}
