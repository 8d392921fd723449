using Npgsql;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.Sagas;

/// <summary>
/// A saga step whose effect lives in its service's own Postgres database. This runs its unit of work: open a
/// transaction (under the tenant's row-level security when <see cref="TenantOf"/> names one), claim the step, let the
/// step act (or undo), add the reply to the outbox, commit. A step writes only its act and its undo. (The workspaces
/// service's steps run in a Marten session instead and keep their own unit of work.)
/// </summary>
public abstract class PostgresSagaStep(NpgsqlDataSource db) : ISagaStepHandler
{
    public abstract string Saga { get; }

    public abstract string StepName { get; }

    /// <summary>
    /// The step's effect, in the unit of work; what it returns joins the saga's data. Throw
    /// <see cref="SagaStepFailedException"/> to fail the step: nothing it wrote commits. Not called for a duplicate.
    /// </summary>
    protected abstract Task<object?> ActAsync(SagaStep command, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Undoes the step, in the unit of work. <paramref name="applied"/> says the step's effect committed and has not been
    /// undone yet (rows to put back); it is false when the step never ran, failed, or was undone already, and this is
    /// still called, for effects outside the database (a processor's authorization) that must be undone either way.
    /// </summary>
    protected virtual Task UndoAsync(SagaStep command, bool applied, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        => Task.CompletedTask;

    /// <summary>The tenant whose rows the step touches (its transaction then sees only them), or null for the service's own tables.</summary>
    protected virtual Guid? TenantOf(SagaStep command) => null;

    public async Task ExecuteAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginAsync(command, connection, cancellationToken);
        if (!await command.ClaimAsync(connection, transaction, cancellationToken))
        {
            return;
        }

        var output = await ActAsync(command, connection, transaction, cancellationToken);
        await Outbox.WriteAsync(connection, transaction, [command.Completed(output)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CompensateAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginAsync(command, connection, cancellationToken);
        var applied = await command.ClaimCompensationAsync(connection, transaction, cancellationToken);
        await UndoAsync(command, applied, connection, transaction, cancellationToken);
        await Outbox.WriteAsync(connection, transaction, [command.Compensated()], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<NpgsqlTransaction> BeginAsync(SagaStep command, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (TenantOf(command) is { } tenantId)
        {
            await TenantTransaction.EnterAsync(connection, transaction, tenantId, cancellationToken);
        }

        return transaction;
    }
}
