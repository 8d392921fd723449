using Npgsql;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Users;

/// <summary>The registration saga's profile step: the user's profile, in the user's tenant. Its compensation also drops "my workspaces" rows.</summary>
internal sealed class ProfileStep(NpgsqlDataSource db) : PostgresSagaStep(db)
{
    public override string Saga => "registration";

    public override string StepName => "profile";

    protected override Guid? TenantOf(SagaStep command) => command.Get<Guid>("tenantId");

    protected override async Task<object?> ActAsync(SagaStep command, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var insert = Sql.Command(connection, transaction,
            "INSERT INTO profiles (user_id, tenant_id, email, display_name, created_at) VALUES ($1, $2, $3, $4, now())",
            command.Get<Guid>("userId"), command.Get<Guid>("tenantId"), command.Get<string>("email"), command.Get<string>("displayName"));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return null;
    }

    protected override async Task UndoAsync(SagaStep command, bool applied, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (!applied)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Sql.BatchCommand("DELETE FROM profiles WHERE user_id = $1", command.Get<Guid>("userId")),
                Sql.BatchCommand("DELETE FROM my_workspaces WHERE user_id = $1", command.Get<Guid>("userId")),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
