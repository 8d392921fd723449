using System.Collections.Concurrent;
using System.Threading.Channels;
using Platform.Query.Catalog;
using Platform.Query.Contracts;

namespace Platform.Query.Execution;

/// <summary>
/// Brings a copy that missed batches (its node was down when they came) up to date once its node answers again: the
/// batches a fresh copy of the partition holds and the stale one lacks are read from the fresh one and sent to the stale
/// one through its ingest (which takes a batch once), and the copy is marked fresh in the catalog unless another ingest
/// found a copy down meanwhile. A DROP TABLE the node missed is replayed there first. It works for a tenant under that
/// tenant's own token, so the tenant's requests start it (a query, an insert or an ingest that meets a stale copy on a
/// node that is up); until then the tenant reads its fresh copies, with one copy fewer to fail over to.
/// </summary>
public sealed class CatchUp(MetadataCatalog catalog, NodeClient client, TenantNodes nodes, ILogger<CatchUp> logger) : BackgroundService
{
    private const int Passes = 3; // a copy still behind after these (ingests keep coming) waits for the next request
    private readonly Channel<Job> _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<(Guid Tenant, string Table), bool> _queued = new();

    /// <summary>Queues <paramref name="table"/> if a copy of it is stale on a node that is up (once at a time per table).</summary>
    public void Offer(Guid tenant, TableInfo table, string token)
    {
        if (!table.PartitionList.Any(p => p.Stale.Any(nodes.IsUp)) || !_queued.TryAdd((tenant, table.Name), true))
        {
            return;
        }

        if (!_jobs.Writer.TryWrite(new Job(tenant, table.Name, token)))
        {
            _queued.TryRemove((tenant, table.Name), out _); // the queue is full; a later request offers it again
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in _jobs.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await CatchUpAsync(job, stoppingToken);
            }
            catch (Exception e) when (e is NodeDownException or QueryFailedException or HttpRequestException or Npgsql.NpgsqlException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Catching up copies of {Table} stopped; the next request to it starts again: {Error}", job.Table, e.Message);
            }
            finally
            {
                _queued.TryRemove((job.Tenant, job.Table), out _);
            }
        }
    }

    private async Task CatchUpAsync(Job job, CancellationToken ct)
    {
        if (await catalog.FindAsync(job.Tenant, job.Table, ct) is not { } table)
        {
            return;
        }

        var undropped = (await catalog.MissedDropsAsync(job.Tenant, table.Name, ct)).ToHashSet();
        var replayed = new List<string>();
        foreach (var node in undropped.Where(nodes.IsUp))
        {
            await client.DropAsync(node, table.Name, job.Token, ct); // the earlier table's rows go; its copies of this one are all stale, so copied whole below
            replayed.Add(node);
        }

        if (replayed.Count > 0)
        {
            await catalog.RecordDropsAsync(job.Tenant, table.Name, [], replayed, ct);
            undropped.ExceptWith(replayed);
        }

        foreach (var partition in table.PartitionList)
        {
            foreach (var node in partition.Stale.Where(n => nodes.IsUp(n) && !undropped.Contains(n)))
            {
                if (partition.Readable.FirstOrDefault(nodes.IsUp) is not { } source)
                {
                    continue; // no fresh copy answers: nothing to copy from yet
                }

                if (await CopyAsync(job, table, partition.Index, source, node, ct) is { } copied
                    && await catalog.MarkFreshAsync(job.Tenant, table.Name, partition.Index, node, partition.Misses, ct))
                {
                    logger.LogInformation("The copy of {Table}[{Partition}] on {Node} caught up from {Source} ({Batches} batches) and is read again.", table.Name, partition.Index, node, source, copied);
                }
            }
        }
    }

    /// <summary>Sends <paramref name="target"/> the batches <paramref name="source"/> has and it lacks, until it lacks none; how many it was sent, or null when it is still behind.</summary>
    private async Task<int?> CopyAsync(Job job, TableInfo table, int partition, string source, string target, CancellationToken ct)
    {
        var sent = 0;
        for (var pass = 0; pass < Passes; pass++)
        {
            var held = (await client.BatchesAsync(target, table.Name, partition, job.Token, ct)).ToHashSet(StringComparer.Ordinal);
            var missing = (await client.BatchesAsync(source, table.Name, partition, job.Token, ct)).Where(b => !held.Contains(b)).ToList();
            if (missing.Count == 0)
            {
                return sent;
            }

            foreach (var batch in missing)
            {
                var rows = await client.BatchRowsAsync(source, table.Name, partition, batch, job.Token, ct);
                await client.IngestAsync(target, NodeClient.Serialize(new IngestRequest(table.Name, partition, batch, table.Schema, Convert.ToBase64String(rows))), job.Token, ct);
                sent++;
            }
        }

        return null;
    }

    private sealed record Job(Guid Tenant, string Table, string Token);
}
