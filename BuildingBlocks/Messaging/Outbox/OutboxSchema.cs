namespace Platform.Messaging.Outbox;

/// <summary>
/// The outbox table, for a service's migrations. A message is pending until the relay marks it delivered or dead;
/// <c>lane</c> (a stable hash of the key) is the unit a relay leases, so messages of one key keep their order.
/// </summary>
public static class OutboxSchema
{
    public const int Lanes = 16;
    public const string NotifyChannel = "outbox_messages";

    public static readonly string Sql = $"""
        CREATE TABLE outbox_messages (
          sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          id uuid NOT NULL UNIQUE,
          topic text NOT NULL,
          key text NOT NULL,
          lane int NOT NULL GENERATED ALWAYS AS (abs(hashtext(key) % {Lanes})) STORED,
          type text NOT NULL,
          payload bytea NOT NULL,
          headers jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          attempts int NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
          last_error text,
          delivered_at timestamptz,
          dead_at timestamptz);
        CREATE INDEX outbox_messages_pending ON outbox_messages (lane, sequence) WHERE delivered_at IS NULL AND dead_at IS NULL;
        CREATE INDEX outbox_messages_dead ON outbox_messages (dead_at) WHERE dead_at IS NOT NULL;
        CREATE FUNCTION outbox_messages_notify() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_notify('{NotifyChannel}', ''); RETURN NULL; END $$;
        CREATE TRIGGER outbox_messages_notify AFTER INSERT ON outbox_messages FOR EACH STATEMENT EXECUTE FUNCTION outbox_messages_notify();
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'platform_tenant') THEN GRANT INSERT ON outbox_messages TO platform_tenant; END IF;
        END $$;
        """;

    /// <summary>
    /// The second migration: a transport per message (Kafka or the bus) and the durable schedule, where messages wait
    /// until they are due (saga timeouts, redeliveries); the relay moves due ones into the outbox.
    /// </summary>
    public static readonly string SchedulingSql = """
        ALTER TABLE outbox_messages ADD COLUMN transport text NOT NULL DEFAULT 'kafka';
        CREATE TABLE outbox_scheduled (
          id uuid PRIMARY KEY,
          due_at timestamptz NOT NULL,
          transport text NOT NULL,
          topic text NOT NULL,
          key text NOT NULL,
          type text NOT NULL,
          payload bytea NOT NULL,
          headers jsonb NOT NULL);
        CREATE INDEX outbox_scheduled_due ON outbox_scheduled (due_at);
        CREATE INDEX outbox_scheduled_key ON outbox_scheduled (key);
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'platform_tenant') THEN GRANT INSERT, DELETE ON outbox_scheduled TO platform_tenant; END IF;
        END $$;
        """;
}
