using System.Text.Json;
using Platform.Workspaces.Domain;
using Platform.Workspaces.Provisioning;

namespace Platform.Workspaces.Api;

/// <summary>Without a template the workspace is created at once (201); with one it is provisioned by a saga (202).</summary>
public sealed record CreateWorkspaceRequest(string? Name, string? Template, IReadOnlyList<MemberRequest>? Members);

public sealed record RenameWorkspaceRequest(string? Name);

public sealed record AddMemberRequest(Guid? UserId, string? Role);

public sealed record ChangeRoleRequest(string? Role);

public sealed record CreateTableRequest(string? Name, IReadOnlyList<FieldDefinition?>? Fields);

public sealed record RecordRequest(Dictionary<string, JsonElement>? Values);

public sealed record Created(Guid Id, long Version);
