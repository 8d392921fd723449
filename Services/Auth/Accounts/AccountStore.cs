using Npgsql;

namespace Platform.Auth.Accounts;

public sealed record Account(Guid Id, Guid TenantId, string Email, string DisplayName, string PasswordHash, string? ScramVerifier = null);

/// <summary>Reads active accounts from authdb (an account is active once its registration completed). Emails are compared in their normalized (trimmed, lower-case) form.</summary>
internal sealed class AccountStore(NpgsqlDataSource db)
{
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    public Task<Account?> FindByEmailAsync(string email, CancellationToken cancellationToken)
        => FindAsync("email_normalized = $1", Normalize(email), cancellationToken);

    public Task<Account?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
        => FindAsync("id = $1", id, cancellationToken);

    /// <summary>Keeps the account's SCRAM verifier (made at a login, when the password is known), for SQL clients that sign in with SCRAM.</summary>
    public async Task SetScramVerifierAsync(Guid id, ScramVerifier verifier, CancellationToken cancellationToken)
    {
        await using var update = db.CreateCommand("UPDATE accounts SET scram_verifier = $1 WHERE id = $2");
        update.Parameters.Add(new() { Value = verifier.ToString() });
        update.Parameters.Add(new() { Value = id });
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<Account?> FindAsync(string condition, object value, CancellationToken cancellationToken)
    {
        await using var select = db.CreateCommand($"SELECT id, tenant_id, email, display_name, password_hash, scram_verifier FROM accounts WHERE active AND {condition}");
        select.Parameters.Add(new() { Value = value });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Account(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5))
            : null;
    }
}
