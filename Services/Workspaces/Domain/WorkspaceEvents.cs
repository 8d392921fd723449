using System.Text.Json;

namespace Platform.Workspaces.Domain;

public sealed record WorkspaceCreated(Guid WorkspaceId, string Name, Guid OwnerId);

public sealed record WorkspaceRenamed(string Name);

public sealed record WorkspaceArchived;

public sealed record MemberAdded(Guid UserId, string Role);

public sealed record MemberRemoved(Guid UserId);

public sealed record MemberRoleChanged(Guid UserId, string Role);

public sealed record FieldDefinition(string Name, string Type, bool Required);

/// <summary>v2 (stored as "table-created.v2"): typed fields. See <see cref="TableCreatedV1"/>.</summary>
public sealed record TableCreated(Guid TableId, string Name, IReadOnlyList<FieldDefinition> Fields);

public sealed record TableRemoved(Guid TableId);

public sealed record RecordCreated(Guid TableId, Guid RecordId, IReadOnlyDictionary<string, JsonElement> Values);

/// <summary>Only the fields that changed; a JSON null clears an optional field.</summary>
public sealed record RecordUpdated(Guid TableId, Guid RecordId, IReadOnlyDictionary<string, JsonElement> Values);

public sealed record RecordDeleted(Guid TableId, Guid RecordId);

/// <summary>
/// v1 of <see cref="TableCreated"/>, as stored under the name "table-created": <c>columns</c>, a list of names that were
/// all optional text. Read through <see cref="Upcast"/>; nothing writes it any more.
/// </summary>
public sealed record TableCreatedV1(Guid TableId, string Name, IReadOnlyList<string>? Columns)
{
    public static TableCreated Upcast(TableCreatedV1 v1)
        => new(v1.TableId, v1.Name, (v1.Columns ?? []).Select(c => new FieldDefinition(c, FieldTypes.Text, Required: false)).ToList());
}
