using System.Security.Cryptography;
using Npgsql;
using Platform.Postgres;

namespace Platform.Storage.S3;

public sealed record UploadedPart(int PartNumber, long Size, string Md5, DateTimeOffset CreatedAt);

/// <summary>
/// S3 multipart uploads. A part is written like any object (<see cref="ObjectWriter"/>) and kept under its own version
/// id; completing the upload renumbers the listed parts' chunks into the new object's version in one transaction, so no
/// byte is copied and readers see the old object or the whole new one. Parts left out, replaced or aborted go to the removals.
/// </summary>
internal sealed class MultipartUploads(NpgsqlDataSource db, ObjectStore store, IConfiguration configuration, TimeProvider clock)
{
    public const int MaxPartNumber = 10000;

    /// <summary>Every part but the last is at least this large (<c>Storage:MinPartSize</c>, S3's 5 MiB).</summary>
    private readonly long _minPartSize = configuration.GetValue("Storage:MinPartSize", 5L << 20);

    public async Task<Guid> CreateAsync(Guid tenantId, string bucket, string key, string contentType, CancellationToken cancellationToken)
    {
        var uploadId = Guid.CreateVersion7();
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var insert = transaction.Command(
            "INSERT INTO uploads (upload_id, tenant_id, bucket, key, content_type, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            uploadId, tenantId, bucket, key, contentType, clock.GetUtcNow());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return uploadId;
    }

    /// <summary>Records a written part (a part of the same number before it is retired); NoSuchUpload if the upload has ended.</summary>
    public async Task PutPartAsync(Guid tenantId, Guid uploadId, int partNumber, WrittenBytes written, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using (var exists = transaction.Command("SELECT 1 FROM uploads WHERE upload_id = $1 FOR UPDATE", uploadId))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                throw S3Exception.NoSuchUpload(uploadId.ToString("N"));
            }
        }

        await ObjectStore.AdoptAsync(transaction, tenantId, written, cancellationToken);
        await using var replace = transaction.Command(
            """
            WITH old AS (SELECT version_id FROM upload_parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE)
            INSERT INTO upload_parts (upload_id, part_number, tenant_id, version_id, size, md5, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (upload_id, part_number) DO UPDATE SET version_id = excluded.version_id, size = excluded.size, md5 = excluded.md5, created_at = excluded.created_at
            RETURNING (SELECT version_id FROM old)
            """, uploadId, partNumber, tenantId, written.VersionId, written.Size, written.Md5!, clock.GetUtcNow());
        if (await replace.ExecuteScalarAsync(cancellationToken) is Guid replaced)
        {
            await store.RetireAsync(transaction, replaced, cancellationToken);
        }

        await transaction.CommitAsync(CancellationToken.None); // once asked, not cancelled: the writer abandons the chunks of a commit that failed
    }

    /// <summary>The upload's bucket and key, and its parts in order; NoSuchUpload if it is not in progress in that bucket.</summary>
    public async Task<IReadOnlyList<UploadedPart>> PartsAsync(Guid tenantId, string bucket, string key, Guid uploadId, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await RequireAsync(transaction, bucket, key, uploadId, cancellationToken);
        return (await ReadPartsAsync(transaction, uploadId, cancellationToken)).Select(p => p.Part).ToList();
    }

    /// <summary>Throws NoSuchUpload unless the upload is in progress for that bucket and key.</summary>
    public async Task RequireAsync(Guid tenantId, string bucket, string key, Guid uploadId, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await RequireAsync(transaction, bucket, key, uploadId, cancellationToken);
    }

    /// <summary>
    /// Makes the listed parts, in order, the key's object. The list must name parts that were uploaded, with their
    /// ETags, in ascending order, every one but the last at least the minimum part size.
    /// </summary>
    public async Task<StoredObject> CompleteAsync(
        Guid tenantId, string bucket, string key, Guid uploadId, IReadOnlyList<(int PartNumber, string ETag)> listed, CancellationToken cancellationToken)
    {
        if (listed.Count == 0)
        {
            throw new S3Exception(400, "MalformedXML", "A multipart upload completes with at least one part.");
        }

        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await ObjectStore.LockKeyAsync(transaction, tenantId, bucket, key, cancellationToken);
        var contentType = await RequireAsync(transaction, bucket, key, uploadId, cancellationToken, forUpdate: true);
        var uploaded = (await ReadPartsAsync(transaction, uploadId, cancellationToken)).ToDictionary(p => p.Part.PartNumber);
        var chosen = new List<(UploadedPart Part, Guid VersionId)>(listed.Count);
        for (var i = 0; i < listed.Count; i++)
        {
            var (number, etag) = listed[i];
            if (i > 0 && number <= listed[i - 1].PartNumber)
            {
                throw new S3Exception(400, "InvalidPartOrder", "The list of parts was not in ascending order.");
            }

            if (!uploaded.TryGetValue(number, out var part) || !string.Equals(part.Part.Md5, etag.Trim('"'), StringComparison.OrdinalIgnoreCase))
            {
                throw new S3Exception(400, "InvalidPart", $"Part {number} was not uploaded, or its ETag is not {etag}.");
            }

            if (i < listed.Count - 1 && part.Part.Size < _minPartSize)
            {
                throw new S3Exception(400, "EntityTooSmall", $"Part {number} is {part.Part.Size} bytes; every part but the last is at least {_minPartSize}.");
            }

            chosen.Add(part);
        }

        var size = chosen.Sum(p => p.Part.Size);
        if (size > ObjectWriter.MaxObjectBytes)
        {
            throw new S3Exception(400, "EntityTooLarge", $"An object is at most {ObjectWriter.MaxObjectBytes} bytes.");
        }

        var versionId = Guid.CreateVersion7();
        var starts = new long[chosen.Count];
        for (var i = 1; i < chosen.Count; i++)
        {
            starts[i] = starts[i - 1] + chosen[i - 1].Part.Size;
        }

        await using (var renumber = transaction.Command(
            """
            UPDATE chunks c SET version_id = $1, seq = n.seq, byte_offset = n.byte_offset
            FROM (SELECT c2.version_id, c2.seq AS old_seq, (row_number() OVER (ORDER BY p.ord, c2.seq) - 1)::int AS seq, p.start + c2.byte_offset AS byte_offset
                  FROM chunks c2 JOIN unnest($2::uuid[], $3::bigint[]) WITH ORDINALITY AS p(version_id, start, ord) ON p.version_id = c2.version_id) n
            WHERE c.version_id = n.version_id AND c.seq = n.old_seq
            """, versionId, chosen.Select(p => p.VersionId).ToArray(), starts))
        {
            await renumber.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var unused in uploaded.Values.Where(p => !chosen.Contains(p)))
        {
            await store.RetireAsync(transaction, unused.VersionId, cancellationToken);
        }

        var md5s = chosen.SelectMany(p => Convert.FromHexString(p.Part.Md5)).ToArray();
#pragma warning disable CA5351 // S3's ETags and Content-MD5 are MD5 by protocol: an integrity check, not a security one
        var etagOfAll = $"{Convert.ToHexStringLower(MD5.HashData(md5s))}-{chosen.Count}";
#pragma warning restore CA5351
        var stored = new StoredObject(key, versionId, size, contentType, Sha256: null, etagOfAll, clock.GetUtcNow(), []);
        await store.PublishAsync(transaction, tenantId, bucket, stored, cancellationToken);
        await EndAsync(transaction, uploadId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>Ends the upload; its parts' chunks go to the removals.</summary>
    public async Task AbortAsync(Guid tenantId, string bucket, string key, Guid uploadId, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await RequireAsync(transaction, bucket, key, uploadId, cancellationToken, forUpdate: true);
        foreach (var part in await ReadPartsAsync(transaction, uploadId, cancellationToken))
        {
            await store.RetireAsync(transaction, part.VersionId, cancellationToken);
        }

        await EndAsync(transaction, uploadId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<string> RequireAsync(
        TenantTransaction transaction, string bucket, string key, Guid uploadId, CancellationToken cancellationToken, bool forUpdate = false)
    {
        await using var select = transaction.Command(
            $"SELECT content_type FROM uploads WHERE upload_id = $1 AND bucket = $2 AND key = $3{(forUpdate ? " FOR UPDATE" : "")}", uploadId, bucket, key);
        return await select.ExecuteScalarAsync(cancellationToken) as string ?? throw S3Exception.NoSuchUpload(uploadId.ToString("N"));
    }

    private static async Task<List<(UploadedPart Part, Guid VersionId)>> ReadPartsAsync(TenantTransaction transaction, Guid uploadId, CancellationToken cancellationToken)
    {
        await using var select = transaction.Command(
            "SELECT part_number, size, md5, created_at, version_id FROM upload_parts WHERE upload_id = $1 ORDER BY part_number", uploadId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var parts = new List<(UploadedPart, Guid)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            parts.Add((new UploadedPart(reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)), reader.GetGuid(4)));
        }

        return parts;
    }

    private static async Task EndAsync(TenantTransaction transaction, Guid uploadId, CancellationToken cancellationToken)
    {
        await using var end = new NpgsqlBatch(transaction.Connection, transaction.Transaction)
        {
            BatchCommands =
            {
                Sql.BatchCommand("DELETE FROM upload_parts WHERE upload_id = $1", uploadId),
                Sql.BatchCommand("DELETE FROM uploads WHERE upload_id = $1", uploadId),
            },
        };
        await end.ExecuteNonQueryAsync(cancellationToken);
    }
}
