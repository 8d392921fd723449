using Platform.Postgres;

namespace Platform.EventStore;

/// <summary>
/// The event store's tables, for a service's migrations (after <see cref="TenantTransaction.CreateRoleSql"/>).
/// Streams, events and snapshots are tenant-isolated by row-level security; the global order index is
/// (transaction_id, sequence), see <see cref="GlobalPosition"/>.
/// </summary>
public static class EventStoreSchema
{
    public const string NotifyChannel = "es_events";

    public static readonly string Sql = $"""
        CREATE TABLE es_streams (
          id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL,
          type text NOT NULL,
          version bigint NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL);
        CREATE TABLE es_events (
          sequence bigint GENERATED ALWAYS AS IDENTITY,
          transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          id uuid NOT NULL,
          stream_id uuid NOT NULL,
          version bigint NOT NULL,
          tenant_id uuid NOT NULL,
          type text NOT NULL,
          schema_version int NOT NULL,
          data jsonb NOT NULL,
          user_id uuid,
          correlation_id text,
          causation_id uuid,
          timestamp timestamptz NOT NULL,
          PRIMARY KEY (stream_id, version));
        CREATE UNIQUE INDEX es_events_global_order ON es_events (transaction_id, sequence);
        CREATE TABLE es_snapshots (
          stream_id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL,
          snapshot_version int NOT NULL,
          version bigint NOT NULL,
          data jsonb NOT NULL,
          created_at timestamptz NOT NULL);
        CREATE TABLE es_projection_checkpoints (
          name text PRIMARY KEY,
          transaction_id xid8 NOT NULL DEFAULT '0',
          sequence bigint NOT NULL DEFAULT 0,
          rebuild_requested_at timestamptz,
          rebuilt_at timestamptz,
          updated_at timestamptz NOT NULL DEFAULT now());
        CREATE FUNCTION es_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_notify('{NotifyChannel}', ''); RETURN NULL; END $$;
        CREATE TRIGGER es_events_notify AFTER INSERT ON es_events FOR EACH STATEMENT EXECUTE FUNCTION es_events_notify();
        """
        + TenantTransaction.IsolateTableSql("es_streams")
        + TenantTransaction.IsolateTableSql("es_events")
        + TenantTransaction.IsolateTableSql("es_snapshots");
}
