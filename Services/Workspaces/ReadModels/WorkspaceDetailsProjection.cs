using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.ReadModels;

/// <summary>
/// Inline: workspaces_view and workspace_members change in the command's own transaction (as the tenant role, under
/// row-level security), so a client reads its own write and the cached details always carry the stream version they
/// were built from.
/// </summary>
internal sealed class WorkspaceDetailsProjection : EventProjection
{
    public WorkspaceDetailsProjection()
    {
        Name = "workspace-details";
        IncludeType<WorkspaceCreated>();
        IncludeType<WorkspaceRenamed>();
        IncludeType<WorkspaceArchived>();
        IncludeType<MemberAdded>();
        IncludeType<MemberRoleChanged>();
        IncludeType<MemberRemoved>();
        IncludeType<TableCreated>();
        IncludeType<TableRemoved>();
        IncludeType<RecordCreated>();
        IncludeType<RecordUpdated>();
        IncludeType<RecordDeleted>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        var (sql, parameters) = e.Data switch
        {
            WorkspaceCreated c => ("WITH workspace AS (INSERT INTO workspaces_view (id, tenant_id, name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)) " +
                                   "INSERT INTO workspace_members (workspace_id, user_id, tenant_id, role) VALUES (?, ?, ?, 'owner')",
                new object[] { e.StreamId, Tenant(e), c.Name, e.Version, e.Timestamp, e.Timestamp, e.StreamId, c.OwnerId, Tenant(e) }),
            WorkspaceRenamed r => ("UPDATE workspaces_view SET name = ? WHERE id = ?", [r.Name, e.StreamId]),
            WorkspaceArchived => ("UPDATE workspaces_view SET archived = true WHERE id = ?", [e.StreamId]),
            MemberAdded m => ("INSERT INTO workspace_members (workspace_id, user_id, tenant_id, role) VALUES (?, ?, ?, ?)", [e.StreamId, m.UserId, Tenant(e), m.Role]),
            MemberRoleChanged m => ("UPDATE workspace_members SET role = ? WHERE workspace_id = ? AND user_id = ?", [m.Role, e.StreamId, m.UserId]),
            MemberRemoved m => ("DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ?", [e.StreamId, m.UserId]),
            TableCreated t => ("UPDATE workspaces_view SET tables = tables || jsonb_build_array(?::jsonb) WHERE id = ?",
                [JsonSerializer.Serialize(new TableView(t.TableId, t.Name, t.Fields), JsonSerializerOptions.Web), e.StreamId]),
            TableRemoved t => ("UPDATE workspaces_view SET tables = (SELECT coalesce(jsonb_agg(t ORDER BY n), '[]') FROM jsonb_array_elements(tables) WITH ORDINALITY AS e(t, n) WHERE t->>'id' <> ?) WHERE id = ?",
                [t.TableId.ToString(), e.StreamId]),
            _ => ((string?)null, Array.Empty<object>()), // record events: only the version below
        };
        if (sql is not null)
        {
            operations.QueueSqlCommand(sql, parameters);
        }

        operations.QueueSqlCommand("UPDATE workspaces_view SET version = ?, updated_at = ? WHERE id = ?", e.Version, e.Timestamp, e.StreamId);
        return ValueTask.CompletedTask;
    }

    private static Guid Tenant(IEvent e) => Guid.Parse(e.TenantId);
}
