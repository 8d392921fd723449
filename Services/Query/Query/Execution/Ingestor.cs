using Platform.Query.Catalog;
using Platform.Query.Contracts;

namespace Platform.Query.Execution;

/// <summary>What an ingest did: rows stored, partitions reached, and whether every partition had seen the batch before.</summary>
public sealed record IngestOutcome(long Rows, int Partitions, bool Duplicate);

/// <summary>
/// Spreads a batch of rows over a table's partitions by its partition function and writes each partition's share to
/// both of its copies at once. Nodes keep the batch id with the rows, so the same batch sent again stores nothing
/// twice. A copy that misses the batch is recorded stale in the catalog and is not read until it catches up
/// (<see cref="CatchUp"/>); a partition that no copy took fails the ingest (send the same batch again).
/// </summary>
public sealed class Ingestor(CatalogClient catalog, NodeClient client, TenantNodes nodes, CatchUp catchUp)
{
    public async Task<IngestOutcome> IngestAsync(Guid tenant, TableInfo table, string batchId, IReadOnlyList<object?[]> rows, string token, CancellationToken cancellationToken)
    {
        catchUp.Offer(tenant, table, token);
        var key = table.KeyIndex;
        var shares = rows.GroupBy(r => PartitionFunction.Of(table, r[key])).ToList();
        var outcomes = await Task.WhenAll(shares.Select(async share =>
        {
            var partition = table.PartitionList.First(p => p.Index == share.Key);
            var request = NodeClient.Serialize(new IngestRequest(table.Name, share.Key, batchId, table.Schema, Convert.ToBase64String(ArrowRows.Build(table.Schema, [.. share]))));
            var answers = await Task.WhenAll(partition.Nodes.Select(async node =>
            {
                try
                {
                    var result = await client.IngestAsync(node, request, token, cancellationToken);
                    nodes.Answered(node);
                    return (Node: node, Result: result);
                }
                catch (NodeDownException)
                {
                    nodes.Failed(node);
                    return (Node: node, Result: (IngestResult?)null);
                }
            }));
            var stored = answers.Where(a => a.Result is not null).ToList();
            if (stored.Count == 0)
            {
                throw new QueryFailedException(503, $"No copy of {table.Name} partition {share.Key} could take the batch ({string.Join(", ", partition.Nodes)} unreachable); send the same batch again.");
            }

            // A stale copy takes the batch too, but its statistics are those of a partition with rows missing: only a
            // fresh copy's are recorded (with none, the partition keeps its statistics until its copies catch up).
            var fresh = stored.FirstOrDefault(a => !partition.Stale.Contains(a.Node)).Result;
            return (Partition: share.Key, Rows: stored.Max(s => s.Result!.Inserted), Duplicate: stored.All(s => s.Result!.Duplicate), fresh?.Stats,
                Missed: (IReadOnlyList<string>)[.. answers.Where(a => a.Result is null).Select(a => a.Node)]);
        }));
        await catalog.RecordIngestAsync(token, table.Name, [.. outcomes.Select(o => new PartitionIngested(o.Partition, o.Stats, o.Missed))], cancellationToken);
        return new IngestOutcome(outcomes.Sum(o => o.Rows), outcomes.Length, outcomes.Length > 0 && outcomes.All(o => o.Duplicate));
    }
}
