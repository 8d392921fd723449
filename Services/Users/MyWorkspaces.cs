using System.Security.Claims;
using Npgsql;
using Platform.Contracts;
using Platform.Messaging.Kafka;
using Platform.Postgres;
using Platform.ServiceDefaults.Authentication;

namespace Platform.Users;

public sealed record MyWorkspace(Guid WorkspaceId, string Name, string Role, bool Archived, long Version);

/// <summary>
/// "My workspaces": a read model of the workspaces service's membership events, eventually consistent. Kafka keeps
/// one workspace's events in order (they share a key); the inbox makes redelivery harmless. It writes rows of every
/// tenant, so it runs on the worker data source (<see cref="PostgresRoles.Worker"/>).
/// </summary>
internal sealed class MyWorkspacesConsumer([FromKeyedServices("usersdb")] NpgsqlDataSource db, KafkaSettings settings, TimeProvider clock, ILogger<MyWorkspacesConsumer> logger)
    : InboxConsumer(db, settings, clock, logger)
{
    protected override string Topic => WorkspaceMembershipEvents.Topic;

    protected override string Name => "users.my-workspaces";

    protected override async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ConsumedMessage message, CancellationToken cancellationToken)
    {
        var (sql, parameters) = message.Type switch
        {
            WorkspaceMembershipEvents.MemberJoinedType => message.Read<MemberJoined>() is var m
                ? ("""
                   INSERT INTO my_workspaces (user_id, workspace_id, tenant_id, name, role, archived, version) VALUES ($1, $2, $3, $4, $5, false, $6)
                   ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role, name = excluded.name, version = excluded.version
                   """, new object[] { m.UserId, m.WorkspaceId, m.TenantId, m.WorkspaceName, m.Role, m.Version })
                : default,
            WorkspaceMembershipEvents.MemberLeftType => message.Read<MemberLeft>() is var m
                ? ("DELETE FROM my_workspaces WHERE user_id = $1 AND workspace_id = $2", [m.UserId, m.WorkspaceId])
                : default,
            WorkspaceMembershipEvents.MemberRoleChangedType => message.Read<MemberRoleChanged>() is var m
                ? ("UPDATE my_workspaces SET role = $3, version = $4 WHERE user_id = $1 AND workspace_id = $2", [m.UserId, m.WorkspaceId, m.Role, m.Version])
                : default,
            WorkspaceMembershipEvents.WorkspaceRenamedType => message.Read<WorkspaceRenamed>() is var m
                ? ("UPDATE my_workspaces SET name = $2, version = $3 WHERE workspace_id = $1", [m.WorkspaceId, m.Name, m.Version])
                : default,
            WorkspaceMembershipEvents.WorkspaceArchivedType => message.Read<WorkspaceArchived>() is var m
                ? ("UPDATE my_workspaces SET archived = true, version = $2 WHERE workspace_id = $1", [m.WorkspaceId, m.Version])
                : default,
            WorkspaceMembershipEvents.WorkspacePurgedType => message.Read<WorkspacePurged>() is var m
                ? ("DELETE FROM my_workspaces WHERE workspace_id = $1", [m.WorkspaceId])
                : default,
            _ => default((string, object[])),
        };
        if (sql is null)
        {
            return; // a workspace event this read model does not need
        }

        await using var command = Sql.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

internal static class MyWorkspacesEndpoints
{
    public static void MapMyWorkspacesEndpoints(this WebApplication app)
        => app.MapGet("/api/users/me/workspaces", async (ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            await using var scope = await TenantTransaction.BeginAsync(db, user.GetTenantId(), cancellationToken);
            await using var select = scope.Command("SELECT workspace_id, name, role, archived, version FROM my_workspaces WHERE user_id = $1 ORDER BY name, workspace_id", user.GetUserId());
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            var items = new List<MyWorkspace>();
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new MyWorkspace(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), reader.GetInt64(4)));
            }

            return Results.Ok(items);
        }).RequireAuthorization();
}
