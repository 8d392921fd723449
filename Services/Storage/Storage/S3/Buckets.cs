using System.Text.RegularExpressions;
using Npgsql;
using Platform.Postgres;

namespace Platform.Storage.S3;

public sealed record Bucket(string Name, DateTimeOffset CreatedAt);

/// <summary>A tenant's buckets (bucket names are unique within a tenant; another tenant's bucket does not exist for a caller).</summary>
internal sealed partial class Buckets(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>S3's rules: 3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit.</summary>
    public static void Validate(string name)
    {
        if (!BucketName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
        {
            throw new S3Exception(400, "InvalidBucketName", $"'{name}' is not a valid bucket name: 3 to 63 lower-case letters, digits, '.' and '-'.");
        }
    }

    /// <summary>False when the tenant has a bucket of that name already.</summary>
    public async Task<bool> CreateAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var insert = transaction.Command("INSERT INTO buckets (tenant_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            tenantId, name, clock.GetUtcNow());
        var created = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task<bool> ExistsAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command("SELECT 1 FROM buckets WHERE name = $1", name);
        return await select.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Throws NoSuchBucket unless the caller's tenant has the bucket.</summary>
    public async Task RequireAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(tenantId, name, cancellationToken))
        {
            throw S3Exception.NoSuchBucket(name);
        }
    }

    public async Task<IReadOnlyList<Bucket>> ListAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command("SELECT name, created_at FROM buckets ORDER BY name");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var buckets = new List<Bucket>();
        while (await reader.ReadAsync(cancellationToken))
        {
            buckets.Add(new Bucket(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return buckets;
    }

    /// <summary>Deletes an empty bucket (no objects, no multipart upload in progress): NoSuchBucket or BucketNotEmpty otherwise.</summary>
    public async Task DeleteAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command(
            """
            SELECT EXISTS (SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE),
              EXISTS (SELECT 1 FROM objects WHERE bucket = $1) OR EXISTS (SELECT 1 FROM uploads WHERE bucket = $1)
            """, name);
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                throw S3Exception.NoSuchBucket(name);
            }

            if (reader.GetBoolean(1))
            {
                throw new S3Exception(409, "BucketNotEmpty", "The bucket you tried to delete is not empty.");
            }
        }

        await using var delete = transaction.Command("DELETE FROM buckets WHERE name = $1", name);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
