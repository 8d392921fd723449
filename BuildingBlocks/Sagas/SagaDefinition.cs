using System.Text.Json.Nodes;
using Npgsql;
using Platform.Messaging.Outbox;

namespace Platform.Sagas;

/// <summary>A step of a saga and the queue of the service that carries it out.</summary>
public sealed record SagaStepDefinition(string Name, string Queue);

/// <summary>What a saga's completion or failure hook works with: the saga and the transaction that records its end.</summary>
public sealed record SagaContext(Guid SagaId, JsonObject Data, string? Error, NpgsqlConnection Connection, NpgsqlTransaction Transaction, List<OutboxMessage> Outbox);

/// <summary>
/// An orchestrated saga: steps run one after another, each in the service that owns its data. When a step fails or does
/// not answer in time, the steps are compensated in reverse order, from the one that failed back to the first.
/// </summary>
public abstract class SagaDefinition
{
    public abstract string Name { get; }

    public abstract IReadOnlyList<SagaStepDefinition> Steps { get; }

    /// <summary>Runs in the transaction that records the saga as completed (local effects of the orchestrating service).</summary>
    public virtual Task OnCompletedAsync(SagaContext saga, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs in the transaction that records the saga as failed, after every step was compensated.</summary>
    public virtual Task OnFailedAsync(SagaContext saga, CancellationToken cancellationToken) => Task.CompletedTask;
}
