using Platform.Messaging.Inbox;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Users;

/// <summary>usersdb migrations, applied in order at startup (append only).</summary>
internal static class UsersSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE profiles (
          user_id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL,
          email text NOT NULL,
          display_name text NOT NULL,
          created_at timestamptz NOT NULL);
        """ + TenantTransaction.IsolateTableSql("profiles"),
        Inbox.Sql + """
        CREATE TABLE my_workspaces (
          user_id uuid NOT NULL,
          workspace_id uuid NOT NULL,
          tenant_id uuid NOT NULL,
          name text NOT NULL,
          role text NOT NULL,
          archived boolean NOT NULL,
          version bigint NOT NULL,
          PRIMARY KEY (user_id, workspace_id));
        CREATE INDEX my_workspaces_workspace ON my_workspaces (workspace_id);
        """ + TenantTransaction.IsolateTableSql("my_workspaces"),
        Inbox.DuplicatesSql + OutboxSchema.Sql + OutboxSchema.SchedulingSql + SagaSchema.Sql,
        Inbox.DeadLettersSql,
    ];
}
