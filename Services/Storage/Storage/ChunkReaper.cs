using Grpc.Core;
using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults.Resilience;
using Platform.Storage.Chunks;

namespace Platform.Storage;

/// <summary>
/// The delete cascade: removes each due copy in <c>chunk_removals</c> from its chunk server (a copy already gone counts
/// as removed), and tries a failed one again later, backing off as the platform's redeliveries do. Several storage replicas share the queue (SKIP LOCKED).
/// Between rounds it sleeps until a copy is queued (a NOTIFY from <c>chunk_removals</c>) or the next one falls due.
/// </summary>
internal sealed class ChunkReaper(NpgsqlDataSource db, ChunkServers servers, TimeProvider clock, IConfiguration configuration, ILogger<ChunkReaper> logger) : BackgroundService
{
    public const string Channel = "chunk_removals";

    /// <summary>
    /// The longest it sleeps without news: the net under a notification missed while it reconnected. The storage tests
    /// set 10 minutes, so a copy they see removed in time was woken for by its notification.
    /// </summary>
    private readonly TimeSpan _idleCeiling = configuration.GetValue("Storage:ReaperIdleCeiling", TimeSpan.FromSeconds(30));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await Notifications.ListenAsync(db, Channel, stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await ReapAsync(stoppingToken) == 0)
                    {
                        await Notifications.WaitForNewsOrDueAsync(listener, "SELECT EXTRACT(EPOCH FROM min(due_at) - now())::float8 FROM chunk_removals", _idleCeiling, stoppingToken);
                    }

                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                logger.LogWarning("Removing chunks failed ({Error}); trying again shortly.", e.Message);
                await Task.Delay(ResilienceRules.Backoff(++failures, ResilienceRules.ReconnectCeiling), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<int> ReapAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = new List<(string ChunkId, string Server, int Attempts)>();
        await using (var select = Sql.Command(connection, transaction,
            "SELECT chunk_id, server, attempts FROM chunk_removals WHERE due_at <= now() ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
            }
        }

        var outcomes = await Task.WhenAll(due.Select(async removal => (removal, Error: await RemoveAsync(removal.ChunkId, removal.Server, cancellationToken))));
        await using var record = new NpgsqlBatch(connection, transaction);
        foreach (var (removal, error) in outcomes)
        {
            record.BatchCommands.Add(error is null
                ? Sql.BatchCommand("DELETE FROM chunk_removals WHERE chunk_id = $1 AND server = $2", removal.ChunkId, removal.Server)
                : Sql.BatchCommand(
                    "UPDATE chunk_removals SET attempts = attempts + 1, last_error = $3, due_at = now() + make_interval(secs => $4) WHERE chunk_id = $1 AND server = $2",
                    removal.ChunkId, removal.Server, error, ResilienceRules.Backoff(removal.Attempts + 1, ResilienceRules.RedeliveryCeiling).TotalSeconds));
        }

        if (record.BatchCommands.Count > 0)
        {
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>Null when the copy is gone (removed now, or before); the reason otherwise.</summary>
    private async Task<string?> RemoveAsync(string chunkId, string server, CancellationToken cancellationToken)
    {
        try
        {
            await servers[server].Client.DeleteChunkAsync(new DeleteChunkRequest { ChunkId = chunkId }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException e)
        {
            return $"{e.StatusCode}: {e.Status.Detail}";
        }
    }
}
