using Npgsql;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Auth.Registration;

/// <summary>
/// Registration, orchestrated from the auth service: the tenant and credentials (auth), the profile (users), the
/// default workspace (workspaces). The account can log in only once all three exist; a failure or a silent step
/// compensates what was done, in reverse order, and the registration ends failed with the reason.
/// </summary>
internal sealed class RegistrationSaga : SagaDefinition
{
    public const string SagaName = "registration";

    public override string Name => SagaName;

    public override IReadOnlyList<SagaStepDefinition> Steps { get; } =
    [
        new("account", "auth"),
        new("profile", "users"),
        new("workspace", "workspaces"),
    ];

    public override async Task OnCompletedAsync(SagaContext saga, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(saga.Connection, saga.Transaction)
        {
            BatchCommands =
            {
                Sql.BatchCommand("UPDATE accounts SET active = true WHERE id = $1", saga.Data["userId"]!.GetValue<Guid>()),
                Sql.BatchCommand("UPDATE registrations SET status = 'completed', workspace_id = $2, password_sealed = NULL, updated_at = now() WHERE id = $1",
                    saga.SagaId, saga.Data["workspaceId"]!.GetValue<Guid>()),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task OnFailedAsync(SagaContext saga, CancellationToken cancellationToken)
    {
        await using var update = Sql.Command(saga.Connection, saga.Transaction,
            "UPDATE registrations SET status = 'failed', error = $2, password_sealed = NULL, updated_at = now() WHERE id = $1", saga.SagaId, saga.Error ?? "Failed.");
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// The registration's first step: the tenant and an inactive account (activated when the saga completes). The password
/// is hashed here, off the request path, and its sealed copy is erased in the same transaction. It is the one step that
/// does not derive from <see cref="PostgresSagaStep"/>: the hash (CPU-bound, two at a time, shared with logins) is made
/// before its transaction opens, so no connection sits idle in a transaction while it queues for the hasher.
/// </summary>
internal sealed class AccountStep(NpgsqlDataSource db, SecretVault vault, Accounts.PasswordHashing passwords) : ISagaStepHandler
{
    public string Saga => RegistrationSaga.SagaName;

    public string StepName => "account";

    public async Task ExecuteAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var sealedPassword = db.CreateCommand("SELECT password_sealed FROM registrations WHERE id = $1");
        sealedPassword.Parameters.Add(new() { Value = command.SagaId });
        var hash = await sealedPassword.ExecuteScalarAsync(cancellationToken) is byte[] sealedBytes
            ? await passwords.HashAsync(vault.Open(sealedBytes), cancellationToken)
            : null; // already taken by an earlier delivery (then the claim below finds the step done) or the registration is over

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await command.ClaimAsync(connection, transaction, cancellationToken))
        {
            return;
        }

        var email = command.Get<string>("email");
        var displayName = command.Get<string>("displayName");
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Sql.BatchCommand("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, now())",
                    command.Get<Guid>("tenantId"), command.Find<string>("organization") ?? $"{displayName}'s organization"),
                Sql.BatchCommand(
                    "INSERT INTO accounts (id, tenant_id, email, email_normalized, password_hash, display_name, created_at, active) VALUES ($1, $2, $3, $4, $5, $6, now(), false)",
                    command.Get<Guid>("userId"), command.Get<Guid>("tenantId"), email, Accounts.AccountStore.Normalize(email),
                    hash ?? throw new SagaStepFailedException("The registration's credentials are gone."), displayName),
                Sql.BatchCommand("UPDATE registrations SET password_sealed = NULL WHERE id = $1", command.SagaId),
            },
        };
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new SagaStepFailedException("An account with this email already exists.");
        }

        await Messaging.Outbox.Outbox.WriteAsync(connection, transaction, [command.Completed()], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CompensateAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await command.ClaimCompensationAsync(connection, transaction, cancellationToken))
        {
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Sql.BatchCommand("DELETE FROM accounts WHERE id = $1", command.Get<Guid>("userId")),
                    Sql.BatchCommand("DELETE FROM tenants WHERE id = $1", command.Get<Guid>("tenantId")),
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await Messaging.Outbox.Outbox.WriteAsync(connection, transaction, [command.Compensated()], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
