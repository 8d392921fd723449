using Npgsql;
using Platform.Postgres;
using Platform.Sagas;
using Platform.Messaging.Outbox;

namespace Platform.Users;

/// <summary>The registration saga's profile step: the user's profile, in the user's tenant. Its compensation also drops "my workspaces" rows.</summary>
internal sealed class ProfileStep(NpgsqlDataSource db) : ISagaStepHandler
{
    public string Saga => "registration";

    public string StepName => "profile";

    public async Task ExecuteAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, command.Get<Guid>("tenantId"), cancellationToken);
        if (!await command.ClaimAsync(scope.Connection, scope.Transaction, cancellationToken))
        {
            return;
        }

        await using var insert = scope.Command(
            "INSERT INTO profiles (user_id, tenant_id, email, display_name, created_at) VALUES ($1, $2, $3, $4, now())",
            command.Get<Guid>("userId"), command.Get<Guid>("tenantId"), command.Get<string>("email"), command.Get<string>("displayName"));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await Outbox.WriteAsync(scope.Connection, scope.Transaction, [command.Completed()], cancellationToken);
        await scope.CommitAsync(cancellationToken);
    }

    public async Task CompensateAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, command.Get<Guid>("tenantId"), cancellationToken);
        if (await command.ClaimCompensationAsync(scope.Connection, scope.Transaction, cancellationToken))
        {
            await using var batch = new NpgsqlBatch(scope.Connection, scope.Transaction)
            {
                BatchCommands =
                {
                    Sql.BatchCommand("DELETE FROM profiles WHERE user_id = $1", command.Get<Guid>("userId")),
                    Sql.BatchCommand("DELETE FROM my_workspaces WHERE user_id = $1", command.Get<Guid>("userId")),
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await Outbox.WriteAsync(scope.Connection, scope.Transaction, [command.Compensated()], cancellationToken);
        await scope.CommitAsync(cancellationToken);
    }
}
