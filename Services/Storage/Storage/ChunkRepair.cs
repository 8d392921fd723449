using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using Platform.Postgres;
using Platform.Storage.Chunks;

namespace Platform.Storage;

/// <summary>
/// Keeps every chunk at its replica count. Every 2 s it takes the copies readers found damaged or missing
/// (<see cref="ChunkServers.ReportDamaged"/>, kept in <c>chunk_repairs</c>) and the copies on servers whose health checks
/// have failed for <c>Storage:RepairAfter</c> (2 min: a restart is not a loss), and for each streams a good copy
/// from another of the chunk's servers to a healthy one that has none (checked against the chunk's SHA-256), then swaps
/// the servers in the chunk's row and queues the lost or damaged copy for removal (should its server come back). A
/// chunk deleted meanwhile keeps nothing: the new copy is queued for removal instead. Chunks belong to every tenant, so
/// this runs on the worker data source (<see cref="PostgresRoles.Worker"/>). Several storage replicas may repair the
/// same copy; only the first swap counts, the other copies are removed.
/// </summary>
internal sealed class ChunkRepair(
    [FromKeyedServices("storagedb")] NpgsqlDataSource db, ChunkServers servers, ObjectStore store, IConfiguration configuration, ILogger<ChunkRepair> logger)
    : BackgroundService
{
    private const int Batch = 50;
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);
    private readonly TimeSpan _after = configuration.GetValue("Storage:RepairAfter", TimeSpan.FromMinutes(2));
    private readonly HashSet<(string, string)> _stuck = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RepairAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning("Chunk repair failed this round ({Error}); trying again shortly.", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RepairAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var damaged = servers.TakeDamaged();
        if (damaged.Count > 0)
        {
            await using var record = Sql.Command(connection, null,
                "INSERT INTO chunk_repairs (chunk_id, server) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                damaged.Select(d => d.ChunkId).ToArray(), damaged.Select(d => d.Server).ToArray());
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var forget = Sql.Command(connection, null, // copies deleted or already replaced since they were reported
            "DELETE FROM chunk_repairs r WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.chunk_id = r.chunk_id AND r.server = ANY(c.servers))"))
        {
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }

        var lost = servers.All.Where(s => s.Down > _after).Select(s => s.Name).ToArray();
        var work = new List<(string ChunkId, long Size, string Sha256, string[] Servers, string Bad, string[] Leaving)>();
        await using (var select = Sql.Command(connection, null,
            """
            WITH wanted AS (
              SELECT c.chunk_id, c.size, c.sha256, c.servers, r.server AS bad FROM chunk_repairs r JOIN chunks c ON c.chunk_id = r.chunk_id
              UNION
              SELECT c.chunk_id, c.size, c.sha256, c.servers, s.server FROM chunks c CROSS JOIN LATERAL unnest(c.servers) AS s(server)
              WHERE c.servers && $1 AND s.server = ANY($1))
            SELECT w.*, coalesce((SELECT array_agg(m.server) FROM chunk_removals m WHERE m.chunk_id = w.chunk_id), '{}')
            FROM wanted w ORDER BY random() LIMIT $2
            """, lost, Batch))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                work.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetString(4), reader.GetFieldValue<string[]>(5)));
            }
        }

        foreach (var copy in work)
        {
            var target = await CopyAsync(copy.ChunkId, copy.Size, copy.Sha256, copy.Servers, copy.Bad, [.. copy.Servers, .. copy.Leaving], cancellationToken);
            if (target is null)
            {
                if (_stuck.Add((copy.ChunkId, copy.Bad)))
                {
                    logger.LogWarning("Chunk {ChunkId} lost its copy on {Server} and no other copy could be copied yet; trying again.", copy.ChunkId, copy.Bad);
                }

                continue;
            }

            _stuck.Remove((copy.ChunkId, copy.Bad));
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var swap = Sql.Command(connection, transaction,
                "UPDATE chunks SET servers = array_replace(servers, $2, $3) WHERE chunk_id = $1 AND $2 = ANY(servers) AND NOT $3 = ANY(servers)",
                copy.ChunkId, copy.Bad, target);
            var swapped = await swap.ExecuteNonQueryAsync(cancellationToken) == 1;
            await using var retire = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    // The bad copy once swapped out; else the new one, unless the chunk lists that server already (another
                    // repairer placed the same copy there first): a copy the chunk names is never queued.
                    Sql.BatchCommand(
                        """
                        INSERT INTO chunk_removals (chunk_id, server, due_at) SELECT $1, $2, now()
                        WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE chunk_id = $1 AND $2 = ANY(servers)) ON CONFLICT DO NOTHING
                        """, copy.ChunkId, swapped ? copy.Bad : target),
                    Sql.BatchCommand("DELETE FROM chunk_repairs WHERE chunk_id = $1 AND server = $2", copy.ChunkId, copy.Bad),
                },
            };
            await retire.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (swapped)
            {
                logger.LogInformation("Chunk {ChunkId}: the copy on {Lost} was replaced by one on {Target}.", copy.ChunkId, copy.Bad, target);
            }
        }
    }

    /// <summary>Streams a good copy from one of the chunk's other servers to a new one; the new server's name, or null when no copy could be made.</summary>
    private async Task<string?> CopyAsync(string chunkId, long size, string sha256, string[] holders, string bad, string[] excluded, CancellationToken cancellationToken)
    {
        foreach (var source in holders.Where(s => s != bad && servers[s].Healthy))
        {
            IReadOnlyList<ChunkServer> placed;
            try
            {
                placed = servers.Place(1, size, excluded);
            }
            catch (NotEnoughServersException)
            {
                return null;
            }

            var target = placed[0];
            try
            {
                using var get = servers[source].Client.GetChunk(new GetChunkRequest { ChunkId = chunkId }, cancellationToken: cancellationToken);
                using var put = target.Client.PutChunk(cancellationToken: cancellationToken);
                await put.RequestStream.WriteAsync(new PutChunkRequest { Header = new ChunkHeader { ChunkId = chunkId, ExpectedSize = size } }, cancellationToken);
                while (await get.ResponseStream.MoveNext(cancellationToken))
                {
                    await put.RequestStream.WriteAsync(new PutChunkRequest { Data = get.ResponseStream.Current.Data }, cancellationToken);
                }

                await put.RequestStream.CompleteAsync();
                var reply = await put.ResponseAsync;
                if (reply.Size == size && Convert.ToHexStringLower(reply.Sha256.Span) == sha256)
                {
                    return target.Name;
                }

                logger.LogWarning("Chunk {ChunkId} copied from {Source} to {Target} came out different; trying another copy.", chunkId, source, target.Name);
                await store.AbandonAsync([(chunkId, target.Name)], cancellationToken);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (e.StatusCode is StatusCode.DataLoss or StatusCode.NotFound)
                {
                    servers.ReportDamaged(chunkId, source);
                }

                logger.LogWarning("Copying chunk {ChunkId} from {Source} to {Target} failed ({Status}); trying another copy.", chunkId, source, target.Name, e.StatusCode);
            }
        }

        return null;
    }
}
