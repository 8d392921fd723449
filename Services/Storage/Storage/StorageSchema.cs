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
        $"""
        -- The S3 API. An object belongs to a bucket of its tenant ('' holds the file API's files, a name no bucket can
        -- have) and has S3's ETag; an object assembled from multipart parts has no SHA-256 of the whole.
        CREATE TABLE buckets (
          tenant_id uuid NOT NULL,
          name text COLLATE "C" NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (tenant_id, name));
        {TenantTransaction.IsolateTableSql("buckets")}
        ALTER TABLE objects ADD COLUMN bucket text COLLATE "C" NOT NULL DEFAULT '';
        ALTER TABLE objects ADD COLUMN etag text;
        ALTER TABLE objects ALTER COLUMN sha256 DROP NOT NULL;
        ALTER TABLE objects DROP CONSTRAINT objects_pkey;
        ALTER TABLE objects ADD PRIMARY KEY (tenant_id, bucket, key);
        -- Access keys sign S3 requests. A request names its key before its tenant is known, so the table is not under
        -- row-level security; only the service's login reads it. HMAC needs the secret itself: it is sealed, not hashed.
        CREATE TABLE access_keys (
          access_key_id text PRIMARY KEY,
          tenant_id uuid NOT NULL,
          user_id uuid NOT NULL,
          secret_sealed bytea NOT NULL,
          created_at timestamptz NOT NULL);
        {SecretVault.TableSql}
        -- Multipart uploads in progress, and their parts: each part's chunks are in chunks under the part's own version
        -- id until the upload completes (they become the object's, renumbered) or is aborted (they go to the removals).
        CREATE TABLE uploads (
          upload_id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL,
          bucket text COLLATE "C" NOT NULL,
          key text COLLATE "C" NOT NULL,
          content_type text NOT NULL,
          created_at timestamptz NOT NULL);
        CREATE TABLE upload_parts (
          upload_id uuid NOT NULL,
          part_number int NOT NULL,
          tenant_id uuid NOT NULL,
          version_id uuid NOT NULL,
          size bigint NOT NULL,
          md5 text NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (upload_id, part_number));
        {TenantTransaction.IsolateTableSql("uploads")}
        {TenantTransaction.IsolateTableSql("upload_parts")}
        """,
        $"""
        -- Copies a reader found damaged or missing, for the repair to replace (ids only, no tenant's data).
        CREATE TABLE chunk_repairs (
          chunk_id text NOT NULL,
          server text NOT NULL,
          found_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (chunk_id, server));
        CREATE INDEX chunks_servers ON chunks USING gin (servers); -- the chunks a lost server held
        -- An upload queues its copies for removal when its lease runs out, and its commit (a tenant transaction) takes
        -- them off the queue again.
        GRANT SELECT, DELETE ON chunk_removals TO {TenantTransaction.Role};
        """,
        // The reaper waits for news of copies to remove instead of looking every second.
        Notifications.TriggerSql("chunk_removals", ChunkReaper.Channel, "AFTER INSERT ON chunk_removals FOR EACH STATEMENT"),
    ];
}
