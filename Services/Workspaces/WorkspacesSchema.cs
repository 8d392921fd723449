using Platform.EventStore;
using Platform.Workspaces.Storage;
using Platform.Messaging.Outbox;
using Platform.Messaging.Inbox;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Workspaces;

/// <summary>
/// workspacesdb migrations, applied in order at startup (append only) after Marten has created its event store tables:
/// outbox, read models, inbox and sagas, then row-level security over Marten's tables.
/// </summary>
internal static class WorkspacesSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        OutboxSchema.Sql,
        """
        CREATE TABLE workspaces_view (
          id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL,
          name text NOT NULL,
          archived boolean NOT NULL DEFAULT false,
          version bigint NOT NULL,
          tables jsonb NOT NULL DEFAULT '[]',
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL);
        CREATE TABLE workspace_members (
          workspace_id uuid NOT NULL,
          user_id uuid NOT NULL,
          tenant_id uuid NOT NULL,
          role text NOT NULL,
          PRIMARY KEY (workspace_id, user_id));
        CREATE INDEX workspace_members_user ON workspace_members (user_id);
        CREATE TABLE records_view (
          record_id uuid PRIMARY KEY,
          workspace_id uuid NOT NULL,
          table_id uuid NOT NULL,
          tenant_id uuid NOT NULL,
          data jsonb NOT NULL,
          version bigint NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL);
        CREATE INDEX records_view_table ON records_view (table_id, record_id);
        """
        + TenantTransaction.IsolateTableSql("workspaces_view")
        + TenantTransaction.IsolateTableSql("workspace_members")
        + TenantTransaction.IsolateTableSql("records_view"),
        OutboxSchema.SchedulingSql + Inbox.Sql + SagaSchema.Sql,
        MartenEventStore.IsolationSql(WorkspaceStore.SnapshotTable),
    ];
}
