using System.Text.Json;
using Platform.EventStore;
using Platform.EventStore.Projections;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.ReadModels;

/// <summary>
/// Inline: workspaces_view and workspace_members change in the command's own transaction, so a client reads its
/// own write and the cached details always carry the stream version they were built from.
/// </summary>
internal sealed class WorkspaceDetailsProjection : IInlineProjection
{
    public async Task ApplyAsync(EventSession session, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            var (sql, parameters) = e.Data switch
            {
                WorkspaceCreated c => ("WITH workspace AS (INSERT INTO workspaces_view (id, tenant_id, name, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)) " +
                                       "INSERT INTO workspace_members (workspace_id, user_id, tenant_id, role) VALUES ($1, $6, $2, 'owner')",
                    new object[] { e.StreamId, e.TenantId, c.Name, e.Version, e.Timestamp, c.OwnerId }),
                WorkspaceRenamed r => ("UPDATE workspaces_view SET name = $2 WHERE id = $1", [e.StreamId, r.Name]),
                WorkspaceArchived => ("UPDATE workspaces_view SET archived = true WHERE id = $1", [e.StreamId]),
                MemberAdded m => ("INSERT INTO workspace_members (workspace_id, user_id, tenant_id, role) VALUES ($1, $2, $3, $4)", [e.StreamId, m.UserId, e.TenantId, m.Role]),
                MemberRoleChanged m => ("UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2", [e.StreamId, m.UserId, m.Role]),
                MemberRemoved m => ("DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2", [e.StreamId, m.UserId]),
                TableCreated t => ("UPDATE workspaces_view SET tables = tables || jsonb_build_array($2::jsonb) WHERE id = $1",
                    [e.StreamId, JsonSerializer.Serialize(new TableView(t.TableId, t.Name, t.Fields), JsonSerializerOptions.Web)]),
                TableRemoved t => ("UPDATE workspaces_view SET tables = (SELECT coalesce(jsonb_agg(t ORDER BY n), '[]') FROM jsonb_array_elements(tables) WITH ORDINALITY AS e(t, n) WHERE t->>'id' <> $2) WHERE id = $1",
                    [e.StreamId, t.TableId.ToString()]),
                _ => ((string?)null, Array.Empty<object>()),
            };
            if (sql is not null)
            {
                await using var command = session.Command(sql, parameters);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        foreach (var last in events.GroupBy(e => e.StreamId).Select(g => g.Last()))
        {
            await using var version = session.Command("UPDATE workspaces_view SET version = $2, updated_at = $3 WHERE id = $1", last.StreamId, last.Version, last.Timestamp);
            await version.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
