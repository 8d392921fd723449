using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults.Authentication;

namespace Platform.Storage.S3;

/// <summary>An S3 access key: its id, whose it is, and the secret requests are signed with.</summary>
internal sealed record AccessKey(string AccessKeyId, Guid TenantId, Guid UserId, string Secret);

/// <summary>
/// The access keys users create (<c>POST /api/storage/keys</c>) to sign S3 requests. The secret is shown once, at
/// creation, and kept sealed in storagedb (<see cref="SecretVault"/>); a key once read is cached for the process's life.
/// </summary>
internal sealed class AccessKeys(NpgsqlDataSource db, SecretVault vault, TimeProvider clock)
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private readonly ConcurrentDictionary<string, AccessKey> _known = new(StringComparer.Ordinal);

    public async Task<AccessKey> CreateAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken)
    {
        var key = new AccessKey("PK" + RandomNumberGenerator.GetString(Alphabet, 18), tenantId, userId, Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)));
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var insert = Sql.Command(connection, null,
            "INSERT INTO access_keys (access_key_id, tenant_id, user_id, secret_sealed, created_at) VALUES ($1, $2, $3, $4, $5)",
            key.AccessKeyId, tenantId, userId, vault.Seal(key.Secret), clock.GetUtcNow());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    public async Task<AccessKey?> FindAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(accessKeyId, out var known))
        {
            return known;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, "SELECT tenant_id, user_id, secret_sealed FROM access_keys WHERE access_key_id = $1", accessKeyId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var key = new AccessKey(accessKeyId, reader.GetGuid(0), reader.GetGuid(1), vault.Open(reader.GetFieldValue<byte[]>(2)));
        return _known.GetOrAdd(accessKeyId, key);
    }
}

public sealed record CreatedAccessKey(string AccessKeyId, string SecretAccessKey);

internal static class AccessKeyEndpoints
{
    /// <summary><c>POST /api/storage/keys</c> (a user's token): a new access key of the caller's tenant; the secret is in this answer only.</summary>
    public static void MapAccessKeyEndpoints(this WebApplication app) =>
        app.MapPost("/api/storage/keys", async (HttpContext context, AccessKeys keys) =>
        {
            var key = await keys.CreateAsync(context.User.GetTenantId(), context.User.GetUserId(), context.RequestAborted);
            return Results.Created($"/api/storage/keys/{key.AccessKeyId}", new CreatedAccessKey(key.AccessKeyId, key.Secret));
        }).RequireAuthorization();
}
