using Platform.Postgres;

namespace Platform.QueryCatalog;

/// <summary>querydb migrations, applied in order at startup (append only): the metadata catalog.</summary>
internal static class QuerySchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        $"""
        -- A tenant's tables: columns (name and engine type, in order) and how rows are spread over partitions.
        CREATE TABLE query_tables (
          tenant_id uuid NOT NULL,
          name text COLLATE "C" NOT NULL,
          columns jsonb NOT NULL,
          method text NOT NULL CHECK (method IN ('HASH', 'RANGE')),
          partition_column text NOT NULL,
          partitions int NOT NULL CHECK (partitions > 0),
          bounds jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (tenant_id, name));
        -- Each partition's placement on tenant nodes (two copies), the copies that missed a batch and may not be read
        -- until they catch up, and the statistics the optimizer plans with, refreshed by every ingest.
        CREATE TABLE query_partitions (
          tenant_id uuid NOT NULL,
          table_name text COLLATE "C" NOT NULL,
          partition int NOT NULL,
          nodes text[] NOT NULL,
          stale text[] NOT NULL DEFAULT ARRAY[]::text[],
          stats jsonb,
          PRIMARY KEY (tenant_id, table_name, partition),
          FOREIGN KEY (tenant_id, table_name) REFERENCES query_tables ON DELETE CASCADE);
        {TenantTransaction.IsolateTableSql("query_tables")}
        {TenantTransaction.IsolateTableSql("query_partitions")}
        """,
        $"""
        -- How many ingests found a copy of the partition down: a copy brought up to date is marked fresh only if none did meanwhile.
        ALTER TABLE query_partitions ADD COLUMN misses bigint NOT NULL DEFAULT 0;
        -- A DROP TABLE a node missed (it was down): replayed there before a table of that name is read from the node again.
        CREATE TABLE query_missed_drops (
          tenant_id uuid NOT NULL,
          table_name text COLLATE "C" NOT NULL,
          node text NOT NULL,
          PRIMARY KEY (tenant_id, table_name, node));
        {TenantTransaction.IsolateTableSql("query_missed_drops")}
        """,
    ];
}
