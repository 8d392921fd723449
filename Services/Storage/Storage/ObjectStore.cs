using Npgsql;
using Platform.Postgres;

namespace Platform.Storage;

/// <summary>A stored chunk of a version: where it starts in the object, its size and SHA-256, and the servers holding a copy.</summary>
public sealed record StoredChunk(string ChunkId, int Seq, long Offset, long Size, string Sha256, string[] Servers);

/// <summary>A file as its tenant sees it: the key's current version and that version's chunks.</summary>
public sealed record StoredObject(string Key, Guid VersionId, long Size, string ContentType, string Sha256, DateTimeOffset CreatedAt, IReadOnlyList<StoredChunk> Chunks);

public sealed record ObjectSummary(string Key, long Size, string ContentType, string Sha256, DateTimeOffset CreatedAt);

/// <summary>
/// The metadata in storagedb, each operation one short transaction under the tenant's row-level security (no connection
/// is held while bytes stream). Writers of one key queue on an advisory lock; a reader gets a key's version and its
/// chunks in one statement, so it sees the old object or the new one whole. Chunks that no version needs any more are
/// queued in <c>chunk_removals</c>, due after <c>Storage:DeleteGrace</c> so readers already streaming them finish.
/// </summary>
internal sealed class ObjectStore(NpgsqlDataSource db, IConfiguration configuration, TimeProvider clock)
{
    private readonly TimeSpan _grace = configuration.GetValue("Storage:DeleteGrace", TimeSpan.FromMinutes(10));

    /// <summary>Makes a fully written version the key's object; the version it replaces goes to the removals.</summary>
    public async Task CommitAsync(Guid tenantId, StoredObject stored, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await LockKeyAsync(transaction, tenantId, stored.Key, cancellationToken);
        var replaced = await CurrentVersionAsync(transaction, stored.Key, cancellationToken);
        await using (var batch = new NpgsqlBatch(transaction.Connection, transaction.Transaction))
        {
            foreach (var chunk in stored.Chunks)
            {
                batch.BatchCommands.Add(Sql.BatchCommand(
                    "INSERT INTO chunks (version_id, seq, tenant_id, chunk_id, byte_offset, size, sha256, servers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    stored.VersionId, chunk.Seq, tenantId, chunk.ChunkId, chunk.Offset, chunk.Size, chunk.Sha256, chunk.Servers));
            }

            batch.BatchCommands.Add(Sql.BatchCommand(
                """
                INSERT INTO objects (tenant_id, key, version_id, size, content_type, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (tenant_id, key) DO UPDATE SET version_id = excluded.version_id, size = excluded.size, content_type = excluded.content_type,
                  sha256 = excluded.sha256, created_at = excluded.created_at
                """, tenantId, stored.Key, stored.VersionId, stored.Size, stored.ContentType, stored.Sha256, stored.CreatedAt));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        if (replaced is { } old)
        {
            await RetireAsync(transaction, old, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes the key's object; false when there is none. Its chunks leave their servers after the grace.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, string key, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await LockKeyAsync(transaction, tenantId, key, cancellationToken);
        await using var delete = transaction.Command("DELETE FROM objects WHERE key = $1 RETURNING version_id", key);
        if (await delete.ExecuteScalarAsync(cancellationToken) is not Guid versionId)
        {
            return false;
        }

        await RetireAsync(transaction, versionId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<StoredObject?> FindAsync(Guid tenantId, string key, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command(
            """
            SELECT o.version_id, o.size, o.content_type, o.sha256, o.created_at, c.chunk_id, c.seq, c.byte_offset, c.size, c.sha256, c.servers
            FROM objects o LEFT JOIN chunks c ON c.version_id = o.version_id
            WHERE o.key = $1 ORDER BY c.seq
            """, key);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        StoredObject? found = null;
        var chunks = new List<StoredChunk>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found ??= new StoredObject(key, reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), chunks);
            if (!reader.IsDBNull(5))
            {
                chunks.Add(new StoredChunk(reader.GetString(5), reader.GetInt32(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetString(9), reader.GetFieldValue<string[]>(10)));
            }
        }

        return found;
    }

    /// <summary>A page of the tenant's files in key order after <paramref name="after"/> (a keyset: writes during a listing neither repeat nor skip a key).</summary>
    public async Task<IReadOnlyList<ObjectSummary>> ListAsync(Guid tenantId, string prefix, string after, int limit, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = transaction.Command(
            """
            SELECT key, size, content_type, sha256, created_at FROM objects
            WHERE key > $1 AND key >= $2 AND left(key, length($2)) = $2
            ORDER BY key LIMIT $3
            """, after, prefix, limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var page = new List<ObjectSummary>(limit);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(new ObjectSummary(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return page;
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
            "INSERT INTO chunk_removals (chunk_id, server, due_at) SELECT c.chunk_id, c.server, now() FROM unnest($1::text[], $2::text[]) AS c(chunk_id, server) ON CONFLICT DO NOTHING",
            copies.Select(c => c.ChunkId).ToArray(), copies.Select(c => c.Server).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task LockKeyAsync(TenantTransaction transaction, Guid tenantId, string key, CancellationToken cancellationToken)
    {
        await using var lockKey = transaction.Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", $"{tenantId:N}/{key}");
        await lockKey.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Guid?> CurrentVersionAsync(TenantTransaction transaction, string key, CancellationToken cancellationToken)
    {
        await using var select = transaction.Command("SELECT version_id FROM objects WHERE key = $1", key);
        return await select.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    private async Task RetireAsync(TenantTransaction transaction, Guid versionId, CancellationToken cancellationToken)
    {
        await using var retire = new NpgsqlBatch(transaction.Connection, transaction.Transaction)
        {
            BatchCommands =
            {
                Sql.BatchCommand("INSERT INTO chunk_removals (chunk_id, server, due_at) SELECT chunk_id, unnest(servers), $2 FROM chunks WHERE version_id = $1", versionId, clock.GetUtcNow() + _grace),
                Sql.BatchCommand("DELETE FROM chunks WHERE version_id = $1", versionId),
            },
        };
        await retire.ExecuteNonQueryAsync(cancellationToken);
    }
}
