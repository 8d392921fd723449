using Platform.Contracts;
using Platform.EventStore;
using Platform.Messaging.Outbox;
using Platform.Workspaces.Domain;
using Platform.Workspaces.Storage;
using Domain = Platform.Workspaces.Domain;

namespace Platform.Workspaces.Api;

/// <summary>The integration events a workspace change publishes (through the outbox) for other services.</summary>
internal static class MembershipMessages
{
    /// <summary>Queues the integration events of the stream's pending changes in its session.</summary>
    public static void PublishPending(TenantSession session, WorkspaceStream stream)
    {
        var version = stream.Version;
        foreach (var change in stream.PendingEvents)
        {
            foreach (var message in For(stream.Aggregate, session.Metadata, ++version, change))
            {
                session.Publish(message);
            }
        }
    }

    public static IEnumerable<OutboxMessage> For(Workspace workspace, EventMetadata metadata, long version, object change)
    {
        var id = workspace.Id;
        var key = id.ToString();
        OutboxMessage Message<T>(string type, T body)
            where T : notnull
            => OutboxMessage.Create(WorkspaceMembershipEvents.Topic, key, type, body, metadata.CorrelationId, metadata.CausationId);

        switch (change)
        {
            case WorkspaceCreated created:
                yield return Message(WorkspaceMembershipEvents.MemberJoinedType, new MemberJoined(id, metadata.TenantId, version, created.OwnerId, Roles.Owner, created.Name));
                break;
            case MemberAdded added:
                yield return Message(WorkspaceMembershipEvents.MemberJoinedType, new MemberJoined(id, metadata.TenantId, version, added.UserId, added.Role, workspace.Name));
                break;
            case MemberRemoved removed:
                yield return Message(WorkspaceMembershipEvents.MemberLeftType, new MemberLeft(id, metadata.TenantId, version, removed.UserId));
                break;
            case Domain.MemberRoleChanged changed:
                yield return Message(WorkspaceMembershipEvents.MemberRoleChangedType, new Contracts.MemberRoleChanged(id, metadata.TenantId, version, changed.UserId, changed.Role));
                break;
            case Domain.WorkspaceRenamed renamed:
                yield return Message(WorkspaceMembershipEvents.WorkspaceRenamedType, new Contracts.WorkspaceRenamed(id, metadata.TenantId, version, renamed.Name));
                break;
            case Domain.WorkspaceArchived:
                yield return Message(WorkspaceMembershipEvents.WorkspaceArchivedType, new Contracts.WorkspaceArchived(id, metadata.TenantId, version));
                break;
        }
    }
}
