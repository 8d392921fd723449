using System.Text.Json;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.Api;

public sealed record CreateWorkspaceRequest(string? Name);

public sealed record RenameWorkspaceRequest(string? Name);

public sealed record AddMemberRequest(Guid? UserId, string? Role);

public sealed record ChangeRoleRequest(string? Role);

public sealed record CreateTableRequest(string? Name, IReadOnlyList<FieldDefinition?>? Fields);

public sealed record RecordRequest(Dictionary<string, JsonElement>? Values);

public sealed record Created(Guid Id, long Version);
