using Platform.Query.Catalog;

namespace Platform.Query.Execution;

/// <summary>
/// CREATE and DROP TABLE across the catalog and the tenant nodes. A node that misses a drop (it is down) is recorded in
/// the catalog, and the drop is replayed there before a table of that name is read from it: at the next CREATE of the
/// name, or, when the node is still down then (its copies of the new table start stale), by <see cref="CatchUp"/>.
/// </summary>
public sealed class TableDdl(CatalogClient catalog, NodeClient client, TenantNodes nodes)
{
    /// <summary>Adds the table to the catalog; false when the tenant has one of that name.</summary>
    public async Task<bool> CreateAsync(TableInfo table, string token, CancellationToken cancellationToken)
    {
        var (done, missed) = await DropOnAsync(await catalog.MissedDropsAsync(token, table.Name, cancellationToken), table.Name, token, cancellationToken);
        if (done.Count > 0)
        {
            await catalog.RecordDropsAsync(token, table.Name, [], done, cancellationToken);
        }

        return await catalog.CreateAsync(token, table, nodes.Names, missed, cancellationToken);
    }

    /// <summary>Removes the table from the catalog and its rows from the nodes; false when the tenant has no table of that name.</summary>
    public async Task<bool> DropAsync(string name, string token, CancellationToken cancellationToken)
    {
        if (!await catalog.DropAsync(token, name, cancellationToken))
        {
            return false;
        }

        var (_, missed) = await DropOnAsync(nodes.Names, name, token, cancellationToken);
        if (missed.Count > 0)
        {
            await catalog.RecordDropsAsync(token, name, missed, [], cancellationToken);
        }

        return true;
    }

    private async Task<(IReadOnlyList<string> Done, IReadOnlyList<string> Missed)> DropOnAsync(IEnumerable<string> targets, string name, string token, CancellationToken cancellationToken)
    {
        var outcomes = await Task.WhenAll(targets.Select(async node =>
        {
            try
            {
                await client.DropAsync(node, name, token, cancellationToken);
                return (Node: node, Dropped: true);
            }
            catch (NodeDownException)
            {
                return (Node: node, Dropped: false);
            }
        }));
        return ([.. outcomes.Where(o => o.Dropped).Select(o => o.Node)], [.. outcomes.Where(o => !o.Dropped).Select(o => o.Node)]);
    }
}
