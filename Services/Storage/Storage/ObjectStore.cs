using Npgsql;
using Platform.Postgres;

namespace Platform.Storage;

/// <summary>A stored chunk of a version: where it starts in the object, its size and SHA-256, and the servers holding a copy.</summary>
public sealed record StoredChunk(string ChunkId, int Seq, long Offset, long Size, string Sha256, string[] Servers);

/// <summary>
/// An object as its tenant sees it: the key's current version and that version's chunks. <paramref name="Sha256"/> is
/// the whole object's (null for an S3 multipart object, whose parts were hashed apart); <paramref name="ETag"/> is S3's
/// (the MD5, or for a multipart object the MD5 of its parts' MD5s and their count), null for the file API's objects.
/// </summary>
public sealed record StoredObject(
    string Key, Guid VersionId, long Size, string ContentType, string? Sha256, string? ETag, DateTimeOffset CreatedAt, IReadOnlyList<StoredChunk> Chunks);

public sealed record ObjectSummary(string Key, long Size, string ContentType, string? Sha256, string? ETag, DateTimeOffset CreatedAt);

/// <summary>
/// The metadata in storagedb: objects by tenant, bucket and key (the file API's objects are in bucket <see cref="Files"/>,
/// a name no S3 bucket can have). Each operation one short transaction under the tenant's row-level security (no connection
/// is held while bytes stream). Writers of one key queue on an advisory lock; a reader gets a key's version and its
/// chunks in one statement, so it sees the old object or the new one whole. Chunks that no version needs any more are
/// queued in <c>chunk_removals</c>, due after <c>Storage:DeleteGrace</c> so readers already streaming them finish.
/// </summary>
internal sealed class ObjectStore(NpgsqlDataSource db, IConfiguration configuration, TimeProvider clock)
{
    /// <summary>The bucket of the file API's objects.</summary>
    public const string Files = "";

    private readonly TimeSpan _grace = configuration.GetValue("Storage:DeleteGrace", TimeSpan.FromMinutes(10));

    /// <summary>
    /// How long copies an upload is writing stay wanted without a sign of life from it (<c>Storage:UploadLease</c>, 10
    /// min): each is queued for removal at that time before its first byte is written, and every new chunk of the
    /// upload pushes the time back. Committing takes them off the queue; if the storage process dies mid-way, nothing
    /// does, and the reaper removes them once the lease runs out.
    /// </summary>
    private readonly TimeSpan _lease = configuration.GetValue("Storage:UploadLease", TimeSpan.FromMinutes(10));

    /// <summary>Makes fully written bytes the key's object; the version it replaces goes to the removals.</summary>
    public async Task<StoredObject> CommitAsync(Guid tenantId, string bucket, string key, string contentType, WrittenBytes written, CancellationToken cancellationToken)
    {
        var stored = new StoredObject(key, written.VersionId, written.Size, contentType, written.Sha256, written.Md5, clock.GetUtcNow(), written.Chunks);
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await LockKeyAsync(transaction, tenantId, bucket, key, cancellationToken);
        await AdoptAsync(transaction, tenantId, written, cancellationToken);
        await PublishAsync(transaction, tenantId, bucket, stored, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None); // once asked, not cancelled: the writer abandons the chunks of a commit that failed
        return stored;
    }

    /// <summary>Deletes the key's object; false when there is none. Its chunks leave their servers after the grace.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, string bucket, string key, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await LockKeyAsync(transaction, tenantId, bucket, key, cancellationToken);
        await using var delete = transaction.Command("DELETE FROM objects WHERE bucket = $1 AND key = $2 RETURNING version_id", bucket, key);
        if (await delete.ExecuteScalarAsync(cancellationToken) is not Guid versionId)
        {
            return false;
        }

        await RetireAsync(transaction, versionId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<StoredObject?> FindAsync(Guid tenantId, string bucket, string key, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command(
            """
            SELECT o.version_id, o.size, o.content_type, o.sha256, o.etag, o.created_at, c.chunk_id, c.seq, c.byte_offset, c.size, c.sha256, c.servers
            FROM objects o LEFT JOIN chunks c ON c.version_id = o.version_id
            WHERE o.bucket = $1 AND o.key = $2 ORDER BY c.seq
            """, bucket, key);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        StoredObject? found = null;
        var chunks = new List<StoredChunk>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found ??= new StoredObject(key, reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), NullableString(reader, 3), NullableString(reader, 4),
                reader.GetFieldValue<DateTimeOffset>(5), chunks);
            if (!reader.IsDBNull(6))
            {
                chunks.Add(new StoredChunk(reader.GetString(6), reader.GetInt32(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetString(10), reader.GetFieldValue<string[]>(11)));
            }
        }

        return found;
    }

    /// <summary>
    /// A page of a bucket's objects whose key starts with <paramref name="prefix"/>, in key order after
    /// <paramref name="after"/> (a keyset: writes during a listing neither repeat nor skip a key).
    /// </summary>
    public async Task<IReadOnlyList<ObjectSummary>> ListAsync(Guid tenantId, string bucket, string prefix, string after, int limit, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command(
            """
            SELECT key, size, content_type, sha256, etag, created_at FROM objects
            WHERE bucket = $1 AND key > $2 AND key >= $3 AND left(key, length($3)) = $3
            ORDER BY key LIMIT $4
            """, bucket, after, prefix, limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var page = new List<ObjectSummary>(limit);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(new ObjectSummary(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), NullableString(reader, 3), NullableString(reader, 4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return page;
    }

    /// <summary>
    /// In a commit's transaction: records the written version's chunks, and takes their copies off the removal queue
    /// (<see cref="LeaseAsync"/>), so they stay. Throws when a copy is no longer queued: the upload outlived its lease
    /// and the reaper has it, so the commit must not name it.
    /// </summary>
    public static async Task AdoptAsync(TenantTransaction transaction, Guid tenantId, WrittenBytes written, CancellationToken cancellationToken)
    {
        var copies = written.Chunks.SelectMany(c => c.Servers.Select(s => (c.ChunkId, Server: s))).ToList();
        await using var adopt = new NpgsqlBatch(transaction.Connection, transaction.Transaction);
        foreach (var chunk in written.Chunks)
        {
            adopt.BatchCommands.Add(Sql.BatchCommand(
                "INSERT INTO chunks (version_id, seq, tenant_id, chunk_id, byte_offset, size, sha256, servers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                written.VersionId, chunk.Seq, tenantId, chunk.ChunkId, chunk.Offset, chunk.Size, chunk.Sha256, chunk.Servers));
        }

        var keep = Sql.BatchCommand(
            "DELETE FROM chunk_removals m USING unnest($1::text[], $2::text[]) AS c(chunk_id, server) WHERE m.chunk_id = c.chunk_id AND m.server = c.server AND m.due_at > now()",
            copies.Select(c => c.ChunkId).ToArray(), copies.Select(c => c.Server).ToArray());
        adopt.BatchCommands.Add(keep);
        await adopt.ExecuteNonQueryAsync(cancellationToken);
        if (keep.RecordsAffected != copies.Count)
        {
            throw new IOException("The upload outlived its lease (Storage:UploadLease): its chunks are being removed, so it was not stored.");
        }
    }

    /// <summary>
    /// Makes a version whose chunks are in place the key's object, in the caller's transaction, which holds the key's
    /// lock (<see cref="LockKeyAsync"/>); the version it replaces goes to the removals.
    /// </summary>
    public async Task PublishAsync(TenantTransaction transaction, Guid tenantId, string bucket, StoredObject stored, CancellationToken cancellationToken)
    {
        await using var upsert = transaction.Command(
            """
            WITH old AS (SELECT version_id FROM objects WHERE bucket = $2 AND key = $3)
            INSERT INTO objects (tenant_id, bucket, key, version_id, size, content_type, sha256, etag, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (tenant_id, bucket, key) DO UPDATE SET version_id = excluded.version_id, size = excluded.size,
              content_type = excluded.content_type, sha256 = excluded.sha256, etag = excluded.etag, created_at = excluded.created_at
            RETURNING (SELECT version_id FROM old)
            """, tenantId, bucket, stored.Key, stored.VersionId, stored.Size, stored.ContentType, stored.Sha256!, stored.ETag!, stored.CreatedAt);
        if (await upsert.ExecuteScalarAsync(cancellationToken) is Guid old)
        {
            await RetireAsync(transaction, old, cancellationToken);
        }
    }

    /// <summary>
    /// Before an upload writes <paramref name="copies"/>: queues them for removal when the lease runs out, and pushes the
    /// lease of the copies it wrote before (<paramref name="earlier"/>) back, as long as it has not run out yet.
    /// </summary>
    public async Task LeaseAsync(IReadOnlyCollection<(string ChunkId, string Server)> copies, IReadOnlyCollection<string> earlier, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var lease = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.BatchCommand(
                    "INSERT INTO chunk_removals (chunk_id, server, due_at) SELECT c.chunk_id, c.server, now() + $3 FROM unnest($1::text[], $2::text[]) AS c(chunk_id, server) ON CONFLICT DO NOTHING",
                    copies.Select(c => c.ChunkId).ToArray(), copies.Select(c => c.Server).ToArray(), _lease),
                Sql.BatchCommand("UPDATE chunk_removals SET due_at = now() + $2 WHERE chunk_id = ANY($1) AND due_at > now()", earlier.ToArray(), _lease),
            },
        };
        await lease.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Queues copies an upload wrote but no object will use (it failed or was refused), for removal now.</summary>
    public async Task AbandonAsync(IReadOnlyCollection<(string ChunkId, string Server)> copies, CancellationToken cancellationToken)
    {
        if (copies.Count == 0)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var insert = Sql.Command(connection, null,
            """
            INSERT INTO chunk_removals (chunk_id, server, due_at) SELECT c.chunk_id, c.server, now() FROM unnest($1::text[], $2::text[]) AS c(chunk_id, server)
            ON CONFLICT (chunk_id, server) DO UPDATE SET due_at = now()
            """,
            copies.Select(c => c.ChunkId).ToArray(), copies.Select(c => c.Server).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Queues writers of one key behind each other until the transaction ends.</summary>
    public static async Task LockKeyAsync(TenantTransaction transaction, Guid tenantId, string bucket, string key, CancellationToken cancellationToken)
    {
        await using var lockKey = transaction.Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", $"{tenantId:N}/{bucket}/{key}");
        await lockKey.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sends a version's chunks to the removals, due after the grace, in the caller's transaction.</summary>
    public async Task RetireAsync(TenantTransaction transaction, Guid versionId, CancellationToken cancellationToken)
    {
        // One statement: the servers queued are the ones the rows name as they are deleted, even if a repair just swapped one.
        await using var retire = transaction.Command(
            """
            WITH gone AS (DELETE FROM chunks WHERE version_id = $1 RETURNING chunk_id, servers)
            INSERT INTO chunk_removals (chunk_id, server, due_at) SELECT chunk_id, unnest(servers), $2 FROM gone ON CONFLICT DO NOTHING
            """, versionId, clock.GetUtcNow() + _grace);
        await retire.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
