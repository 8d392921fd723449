using System.Collections.Concurrent;
using System.Threading.Channels;
using Platform.Query.Catalog;
using Platform.Query.Contracts;

namespace Platform.Query.Execution;

/// <summary>
/// Brings a copy that missed batches (its node was down when they came) up to date once its node answers again: the
/// batches a fresh copy of the partition holds and the stale one lacks are read from the fresh one and sent to the stale
/// one through its ingest (which takes a batch once), and the copy is marked fresh in the catalog unless another ingest
/// found a copy down meanwhile. A partition whose copies are all stale (each missed a batch another took) is merged: each
/// copy is sent what the others hold, once all of them answer. A DROP TABLE the node missed is replayed there first. It works for a tenant under that
/// tenant's own token, so the tenant's requests start it (a query, an insert or an ingest that meets a stale copy on a
/// node that is up); until then the tenant reads its fresh copies, with one copy fewer to fail over to.
/// </summary>
public sealed class CatchUp(CatalogClient catalog, NodeClient client, TenantNodes nodes, ILogger<CatchUp> logger) : BackgroundService
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
            catch (Exception e) when (e is NodeDownException or QueryFailedException or HttpRequestException && !stoppingToken.IsCancellationRequested)
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
        if (await catalog.FindAsync(job.Token, job.Table, ct) is not { } table)
        {
            return;
        }

        var undropped = (await catalog.MissedDropsAsync(job.Token, table.Name, ct)).ToHashSet();
        var replayed = new List<string>();
        foreach (var node in undropped.Where(nodes.IsUp))
        {
            await client.DropAsync(node, table.Name, job.Token, ct); // the earlier table's rows go; its copies of this one are all stale, so copied whole below
            replayed.Add(node);
        }

        if (replayed.Count > 0)
        {
            await catalog.RecordDropsAsync(job.Token, table.Name, [], replayed, ct);
            undropped.ExceptWith(replayed);
        }

        foreach (var partition in table.PartitionList)
        {
            foreach (var node in partition.Stale.Where(n => nodes.IsUp(n) && !undropped.Contains(n)))
            {
                // A fresh copy that answers is the source. When every copy is stale (each missed a batch another took),
                // all of them together are: a copy holding every batch of every other holds every batch acknowledged.
                var fresh = partition.Readable.FirstOrDefault(nodes.IsUp);
                var merge = !partition.Readable.Any();
                IReadOnlyList<string> sources = fresh is not null ? [fresh]
                    : merge && partition.Nodes.All(n => nodes.IsUp(n) && !undropped.Contains(n)) ? [.. partition.Nodes.Where(n => n != node)]
                    : []; // the fresh copy, or one of the others, does not answer yet
                if (sources.Count == 0)
                {
                    continue;
                }

                if (await CopyAsync(job, table, partition.Index, sources, node, ct) is { } copied
                    && await catalog.MarkFreshAsync(job.Token, table.Name, partition.Index, node, partition.Misses, merge ? copied.Stats : null, ct))
                {
                    logger.LogInformation("The copy of {Table}[{Partition}] on {Node} caught up from {Sources} ({Batches} batches) and is read again.",
                        table.Name, partition.Index, node, string.Join(", ", sources), copied.Batches);
                }
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="target"/> the batches the <paramref name="sources"/> have and it lacks, until it lacks none:
    /// how many it was sent and its statistics after the last (null when it was sent none), or null when it is still behind.
    /// </summary>
    private async Task<(int Batches, PartitionStats? Stats)?> CopyAsync(Job job, TableInfo table, int partition, IReadOnlyList<string> sources, string target, CancellationToken ct)
    {
        var sent = 0;
        PartitionStats? stats = null;
        for (var pass = 0; pass < Passes; pass++)
        {
            var held = (await client.BatchesAsync(target, table.Name, partition, job.Token, ct)).ToHashSet(StringComparer.Ordinal);
            var missing = new List<(string Source, string Batch)>();
            foreach (var source in sources)
            {
                foreach (var batch in await client.BatchesAsync(source, table.Name, partition, job.Token, ct))
                {
                    if (held.Add(batch))
                    {
                        missing.Add((source, batch));
                    }
                }
            }

            if (missing.Count == 0)
            {
                return (sent, stats);
            }

            foreach (var (source, batch) in missing)
            {
                var rows = await client.BatchRowsAsync(source, table.Name, partition, batch, job.Token, ct);
                stats = (await client.IngestAsync(target, NodeClient.Serialize(new IngestRequest(table.Name, partition, batch, table.Schema, Convert.ToBase64String(rows))), job.Token, ct)).Stats;
                sent++;
            }
        }

        return null;
    }

    private sealed record Job(Guid Tenant, string Table, string Token);
}
