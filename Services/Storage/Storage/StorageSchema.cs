using Platform.Postgres;

namespace Platform.Storage;

/// <summary>storagedb migrations, applied in order at startup (append only).</summary>
internal static class StorageSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        $"""
        -- The visible files: one row per key, naming the version whose chunks hold its bytes. An overwrite swaps the
        -- version in one transaction, so a reader resolves a key to one whole version, old or new.
        CREATE TABLE objects (
          tenant_id uuid NOT NULL,
          key text COLLATE "C" NOT NULL,
          version_id uuid NOT NULL UNIQUE,
          size bigint NOT NULL,
          content_type text NOT NULL,
          sha256 text NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (tenant_id, key));
        -- A version's chunks in order, each on the servers holding a copy.
        CREATE TABLE chunks (
          version_id uuid NOT NULL,
          seq int NOT NULL,
          tenant_id uuid NOT NULL,
          chunk_id text NOT NULL UNIQUE,
          byte_offset bigint NOT NULL,
          size bigint NOT NULL,
          sha256 text NOT NULL,
          servers text[] NOT NULL,
          PRIMARY KEY (version_id, seq));
        {TenantTransaction.IsolateTableSql("objects")}
        {TenantTransaction.IsolateTableSql("chunks")}
        -- Copies of chunks to remove from their servers (the delete cascade, replaced versions, failed uploads), each
        -- once it is due; no tenant's data, only ids, so the reaper works through it for every tenant.
        CREATE TABLE chunk_removals (
          chunk_id text NOT NULL,
          server text NOT NULL,
          due_at timestamptz NOT NULL,
          attempts int NOT NULL DEFAULT 0,
          last_error text,
          PRIMARY KEY (chunk_id, server));
        CREATE INDEX chunk_removals_due ON chunk_removals (due_at);
        GRANT INSERT ON chunk_removals TO {TenantTransaction.Role};
        """,
    ];
}
