using System.Text.Json;
using Npgsql;
using Platform.Postgres;
using PgSql = Platform.Postgres.Sql;
using Platform.Query.Contracts;

namespace Platform.QueryCatalog;

/// <summary>
/// The metadata catalog: a tenant's tables, their partitions' placement and statistics, in querydb under row-level
/// security (every call runs in the tenant's transaction, so another tenant's tables do not exist). The tenant is the
/// one the caller's token names (<see cref="CatalogEndpoints"/>).
/// </summary>
public sealed class MetadataCatalog(NpgsqlDataSource database)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The named tables with their partitions; names not in the catalog are absent from the answer.</summary>
    public async Task<IReadOnlyList<CatalogTable>> FindAsync(Guid tenant, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        // On every query: one round trip.
        var rows = await TenantTransaction.ReadAsync(database, tenant, PgSql.BatchCommand("""
            SELECT t.name, t.columns::text, t.method, t.partition_column, t.partitions, t.bounds::text, p.partition, p.nodes, p.stale, p.stats::text, p.misses
            FROM query_tables t JOIN query_partitions p ON p.table_name = t.name AND p.tenant_id = t.tenant_id
            WHERE t.name = ANY($1) ORDER BY t.name, p.partition
            """, (object)names.ToArray()), // one parameter, the array (not the params array itself)
            reader => (Name: reader.GetString(0), Columns: reader.GetString(1), Method: reader.GetString(2), Key: reader.GetString(3), Partitions: reader.GetInt32(4), Bounds: reader.GetString(5),
                Partition: new CatalogPartition(reader.GetInt32(6), reader.GetFieldValue<string[]>(7), reader.GetFieldValue<string[]>(8),
                    reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<PartitionStats>(reader.GetString(9), Json), reader.GetInt64(10))),
            cancellationToken);
        return [.. rows.GroupBy(r => r.Name).Select(g =>
        {
            var table = g.First();
            return new CatalogTable(table.Name, JsonSerializer.Deserialize<List<ColumnSchema>>(table.Columns, Json)!, table.Method, table.Key, table.Partitions,
                JsonSerializer.Deserialize<List<string>>(table.Bounds, Json)!, [.. g.Select(r => r.Partition)]);
        })];
    }

    /// <summary>
    /// Adds a table and places its partitions; false when the tenant has one of that name. The copies on
    /// <paramref name="unready"/> nodes (down, with an earlier table of the name perhaps still on them) start stale.
    /// </summary>
    public async Task<bool> CreateAsync(Guid tenant, CatalogTable table, IReadOnlyList<string> nodes, IReadOnlyCollection<string> unready, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(database, tenant, cancellationToken);
        var batch = new NpgsqlBatch(scope.Connection, scope.Transaction);
        batch.BatchCommands.Add(PgSql.BatchCommand("""
            INSERT INTO query_tables (tenant_id, name, columns, method, partition_column, partitions, bounds)
            VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING
            """, tenant, table.Name, Jsonb(table.Columns), table.Method, table.PartitionColumn, table.Partitions, Jsonb(table.Bounds)));
        for (var partition = 0; partition < table.Partitions; partition++)
        {
            var placed = Placement.NodesFor(partition, nodes).ToArray();
            batch.BatchCommands.Add(PgSql.BatchCommand("INSERT INTO query_partitions (tenant_id, table_name, partition, nodes, stale) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                tenant, table.Name, partition, placed, placed.Where(unready.Contains).ToArray()));
        }

        await using (batch)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            var created = batch.BatchCommands[0].RecordsAffected == 1;
            if (!created)
            {
                return false;
            }
        }

        await scope.Transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> DropAsync(Guid tenant, string name, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(database, tenant, cancellationToken);
        await using var command = PgSql.Command(scope.Connection, scope.Transaction, "DELETE FROM query_tables WHERE name = $1", name);
        var dropped = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await scope.Transaction.CommitAsync(cancellationToken);
        return dropped;
    }

    /// <summary>The nodes that missed a DROP TABLE of <paramref name="name"/> and may still hold its rows.</summary>
    public async Task<IReadOnlyList<string>> MissedDropsAsync(Guid tenant, string name, CancellationToken cancellationToken)
        => await TenantTransaction.ReadAsync(database, tenant, PgSql.BatchCommand("SELECT node FROM query_missed_drops WHERE table_name = $1", name), reader => reader.GetString(0), cancellationToken);

    /// <summary>Records the nodes that missed a DROP TABLE (<paramref name="missed"/>) and forgets those that have now done it (<paramref name="done"/>).</summary>
    public async Task RecordDropsAsync(Guid tenant, string name, IReadOnlyCollection<string> missed, IReadOnlyCollection<string> done, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(database, tenant, cancellationToken);
        await using var batch = new NpgsqlBatch(scope.Connection, scope.Transaction);
        batch.BatchCommands.Add(PgSql.BatchCommand("""
            INSERT INTO query_missed_drops (tenant_id, table_name, node) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING
            """, tenant, name, missed.ToArray()));
        batch.BatchCommands.Add(PgSql.BatchCommand("DELETE FROM query_missed_drops WHERE table_name = $1 AND node = ANY($2)", name, done.ToArray()));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await scope.Transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Marks <paramref name="node"/>'s copy of a partition fresh again, if no ingest has found a copy down since
    /// <paramref name="misses"/> was read (else it may have missed that batch too, and stays stale); true when marked.
    /// <paramref name="stats"/>, when given, are the copy's own: those of a partition whose copies were all stale.
    /// </summary>
    public async Task<bool> MarkFreshAsync(Guid tenant, string table, int partition, string node, long misses, PartitionStats? stats, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(database, tenant, cancellationToken);
        await using var command = PgSql.Command(scope.Connection, scope.Transaction, """
            UPDATE query_partitions SET stale = array_remove(stale, $4), stats = COALESCE($6::jsonb, stats)
            WHERE table_name = $1 AND partition = $2 AND tenant_id = $3 AND misses = $5 AND $4 = ANY(stale)
            """, table, partition, tenant, node, misses, JsonbOrNull(stats));
        var marked = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await scope.Transaction.CommitAsync(cancellationToken);
        return marked;
    }

    /// <summary>
    /// What an ingest left in each partition it reached: fresh statistics (null when only a stale copy took the batch: the
    /// old ones stay), and the copies that missed the batch (not read until they catch up). One transaction for the batch.
    /// </summary>
    public async Task RecordIngestAsync(Guid tenant, string table, IReadOnlyList<PartitionIngested> partitions, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(database, tenant, cancellationToken);
        await using var batch = new NpgsqlBatch(scope.Connection, scope.Transaction);
        foreach (var (partition, stats, missed) in partitions)
        {
            batch.BatchCommands.Add(PgSql.BatchCommand("""
                UPDATE query_partitions SET stats = COALESCE($4::jsonb, stats), stale = ARRAY(SELECT DISTINCT unnest(stale || $5::text[])),
                  misses = misses + sign(cardinality($5::text[]))
                WHERE table_name = $1 AND partition = $2 AND tenant_id = $3
                """, table, partition, tenant, JsonbOrNull(stats), missed.ToArray()));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await scope.Transaction.CommitAsync(cancellationToken);
    }

    private static string Jsonb<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <summary>Statistics as a jsonb parameter; SQL NULL (not JSON null) when there are none, so <c>COALESCE</c> keeps the old ones.</summary>
    private static object JsonbOrNull(PartitionStats? stats) => stats is null ? DBNull.Value : Jsonb(stats);
}
