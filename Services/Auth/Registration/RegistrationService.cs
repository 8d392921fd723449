using Microsoft.AspNetCore.Identity;
using Npgsql;
using Platform.Auth.Accounts;

namespace Platform.Auth.Registration;

public sealed record RegistrationView(Guid RegistrationId, string Status, Guid? UserId, Guid? TenantId, Guid? WorkspaceId, string? Error);

/// <summary>
/// Registration: tenant, account and registration record commit together; then the user's profile is
/// created in the users service. If that step fails, the account and tenant are removed again and the
/// registration ends "failed" with the reason: nobody is left able to log in without a profile.
/// (The saga issue replaces this inline sequence with a durable, message-driven one.)
/// </summary>
internal sealed class RegistrationService(NpgsqlDataSource db, UsersClient users, TimeProvider clock, ILogger<RegistrationService> logger)
{
    private static readonly PasswordHasher<Account> Hasher = new();

    /// <summary>Null when the email is already registered (in any letter case).</summary>
    public async Task<RegistrationView?> RegisterAsync(string email, string password, string displayName, string? organization, CancellationToken cancellationToken)
    {
        var registrationId = Guid.NewGuid();
        var userId = Guid.NewGuid();
        var tenantId = Guid.NewGuid();
        var now = clock.GetUtcNow();
        var hash = Hasher.HashPassword(null!, password);

        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                await using var batch = new NpgsqlBatch(connection, transaction)
                {
                    BatchCommands =
                    {
                        Command("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)", tenantId, organization ?? $"{displayName}'s organization", now),
                        Command("INSERT INTO accounts (id, tenant_id, email, email_normalized, password_hash, display_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            userId, tenantId, email.Trim(), AccountStore.Normalize(email), hash, displayName, now),
                        Command("INSERT INTO registrations (id, email_normalized, status, user_id, tenant_id, created_at, updated_at) VALUES ($1, $2, 'pending', $3, $4, $5, $5)",
                            registrationId, AccountStore.Normalize(email), userId, tenantId, now),
                    },
                };
                await batch.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return null;
            }
        }

        try
        {
            await users.CreateProfileAsync(userId, tenantId, email.Trim(), displayName, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            logger.LogWarning(e, "Creating the profile for registration {RegistrationId} failed; compensating", registrationId);
            await CompensateAsync(registrationId, userId, tenantId, "The user profile could not be created.", CancellationToken.None);
            return await FindAsync(registrationId, CancellationToken.None);
        }

        await using var complete = db.CreateCommand("UPDATE registrations SET status = 'completed', updated_at = $2 WHERE id = $1");
        complete.Parameters.Add(new() { Value = registrationId });
        complete.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await complete.ExecuteNonQueryAsync(cancellationToken);
        return await FindAsync(registrationId, cancellationToken);
    }

    public async Task<RegistrationView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var select = db.CreateCommand("SELECT status, user_id, tenant_id, workspace_id, error FROM registrations WHERE id = $1");
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
            completed ? reader.GetGuid(1) : null,
            completed ? reader.GetGuid(2) : null,
            reader.IsDBNull(3) ? null : reader.GetGuid(3),
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    private async Task CompensateAsync(Guid registrationId, Guid userId, Guid tenantId, string error, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("DELETE FROM accounts WHERE id = $1", userId),
                Command("DELETE FROM tenants WHERE id = $1", tenantId),
                Command("UPDATE registrations SET status = 'failed', error = $2, updated_at = $3 WHERE id = $1", registrationId, error, clock.GetUtcNow()),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
