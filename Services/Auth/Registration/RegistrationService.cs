using System.Text.Json.Nodes;
using Npgsql;
using Platform.Auth.Accounts;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Auth.Registration;

public sealed record RegistrationView(Guid RegistrationId, string Status, Guid? UserId, Guid? TenantId, Guid? WorkspaceId, string? Error);

/// <summary>
/// Accepts a registration and starts its saga (<see cref="RegistrationSaga"/>) in the same transaction: the
/// registration row (holding the sealed password until the account step hashes it), the saga's state and its first
/// command commit together. An email is taken while a registration for it is pending or completed. Nothing expensive
/// runs here: the answer is a 202 at once, whatever the burst.
/// </summary>
internal sealed class RegistrationService(NpgsqlDataSource db, SecretVault vault, RegistrationSaga saga, SagaStarter sagas, TimeProvider clock)
{
    /// <summary>Null when the email is already registered (in any letter case) or being registered.</summary>
    public async Task<RegistrationView?> RegisterAsync(string email, string password, string displayName, string? organization,
        IReadOnlyDictionary<string, string>? faults, CancellationToken cancellationToken)
    {
        var registrationId = Guid.CreateVersion7();
        var normalized = AccountStore.Normalize(email);
        var data = new JsonObject
        {
            ["email"] = email.Trim(),
            ["displayName"] = displayName,
            ["organization"] = organization,
            ["userId"] = Guid.NewGuid(),
            ["tenantId"] = Guid.NewGuid(),
            ["workspaceId"] = Guid.CreateVersion7(),
            ["workspaceName"] = $"{displayName}'s workspace",
        };

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var taken = Sql.Command(connection, transaction, "SELECT EXISTS (SELECT 1 FROM accounts WHERE email_normalized = $1)", normalized))
        {
            if ((bool)(await taken.ExecuteScalarAsync(cancellationToken))!)
            {
                return null;
            }
        }

        try
        {
            await using var insert = Sql.Command(connection, transaction,
                "INSERT INTO registrations (id, email_normalized, status, password_sealed, created_at, updated_at) VALUES ($1, $2, 'pending', $3, $4, $4)",
                registrationId, normalized, vault.Seal(password), clock.GetUtcNow());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null; // another registration of this email is pending or completed
        }

        CorrelationId.Current ??= CorrelationId.New();
        await sagas.StartAsync(connection, transaction, saga, registrationId, data, faults, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RegistrationView(registrationId, "pending", null, null, null, null);
    }

    public async Task<RegistrationView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var select = db.CreateCommand(
            "SELECT r.status, s.data->>'userId', s.data->>'tenantId', r.workspace_id, r.error FROM registrations r LEFT JOIN sagas s ON s.id = r.id WHERE r.id = $1");
        select.Parameters.Add(new() { Value = id });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var completed = reader.GetString(0) == "completed";
        return new RegistrationView(
            id,
            reader.GetString(0),
            completed && !reader.IsDBNull(1) ? Guid.Parse(reader.GetString(1)) : null,
            completed && !reader.IsDBNull(2) ? Guid.Parse(reader.GetString(2)) : null,
            reader.IsDBNull(3) ? null : reader.GetGuid(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }
}
