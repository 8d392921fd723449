namespace Platform.Sagas;

/// <summary>
/// Saga tables, for a service's migrations: <c>sagas</c> (the orchestrator's durable state, versioned for optimistic
/// concurrency) and <c>saga_steps</c> (the step ledger of the services that carry steps out: done, failed or
/// compensated, so a step runs once and never after its compensation).
/// </summary>
public static class SagaSchema
{
    public const string Sql = """
        CREATE TABLE sagas (
          id uuid PRIMARY KEY,
          saga text NOT NULL,
          status text NOT NULL,
          step int NOT NULL,
          attempt int NOT NULL,
          data jsonb NOT NULL,
          faults jsonb,
          error text,
          version int NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          ended_at timestamptz);
        CREATE INDEX sagas_open ON sagas (saga, status) WHERE ended_at IS NULL;
        CREATE TABLE saga_steps (
          saga_id uuid NOT NULL,
          step text NOT NULL,
          state text NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (saga_id, step));
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'platform_tenant') THEN
            GRANT SELECT, INSERT, UPDATE ON saga_steps TO platform_tenant;
            GRANT INSERT ON inbox_messages TO platform_tenant;
          END IF;
        END $$;
        """;

    /// <summary>Everything a service that takes part in sagas over the bus needs: inbox, outbox with its schedule, and the saga tables.</summary>
    public static readonly string WithMessagingSql = Messaging.Inbox.Inbox.Sql + Messaging.Outbox.OutboxSchema.Sql + Messaging.Outbox.OutboxSchema.SchedulingSql + Sql;
}
