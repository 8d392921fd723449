namespace Platform.Contracts;

/// <summary>
/// Membership changes of workspaces, published by the workspaces service on <see cref="Topic"/> with the workspace id as
/// the key (one partition per workspace, so consumers see them in order). <c>Version</c> is the workspace stream version.
/// </summary>
public static class WorkspaceMembershipEvents
{
    public const string Topic = "workspace-events";

    public const string MemberJoinedType = "workspace.member-joined";
    public const string MemberLeftType = "workspace.member-left";
    public const string MemberRoleChangedType = "workspace.member-role-changed";
    public const string WorkspaceRenamedType = "workspace.renamed";
    public const string WorkspaceArchivedType = "workspace.archived";
    public const string WorkspacePurgedType = "workspace.purged";
}

public sealed record MemberJoined(Guid WorkspaceId, Guid TenantId, long Version, Guid UserId, string Role, string WorkspaceName);

public sealed record MemberLeft(Guid WorkspaceId, Guid TenantId, long Version, Guid UserId);

public sealed record MemberRoleChanged(Guid WorkspaceId, Guid TenantId, long Version, Guid UserId, string Role);

public sealed record WorkspaceRenamed(Guid WorkspaceId, Guid TenantId, long Version, string Name);

public sealed record WorkspaceArchived(Guid WorkspaceId, Guid TenantId, long Version);

/// <summary>The workspace was erased (a compensated creation nobody saw): drop everything derived from it.</summary>
public sealed record WorkspacePurged(Guid WorkspaceId, Guid TenantId);
