using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.EventStore;

namespace Platform.Workspaces.Domain;

public sealed record WorkspaceCreated(Guid WorkspaceId, string Name, Guid OwnerId);

public sealed record WorkspaceRenamed(string Name);

public sealed record WorkspaceArchived;

public sealed record MemberAdded(Guid UserId, string Role);

public sealed record MemberRemoved(Guid UserId);

public sealed record MemberRoleChanged(Guid UserId, string Role);

public sealed record FieldDefinition(string Name, string Type, bool Required);

/// <summary>v2: typed fields. v1 had <c>columns</c>, a list of names that were all optional text.</summary>
public sealed record TableCreated(Guid TableId, string Name, IReadOnlyList<FieldDefinition> Fields);

public sealed record TableRemoved(Guid TableId);

public sealed record RecordCreated(Guid TableId, Guid RecordId, IReadOnlyDictionary<string, JsonElement> Values);

/// <summary>Only the fields that changed; a JSON null clears an optional field.</summary>
public sealed record RecordUpdated(Guid TableId, Guid RecordId, IReadOnlyDictionary<string, JsonElement> Values);

public sealed record RecordDeleted(Guid TableId, Guid RecordId);

public static class WorkspaceEventTypes
{
    public static void Register(EventTypeRegistry registry) => registry
        .Register<WorkspaceCreated>("workspace-created")
        .Register<WorkspaceRenamed>("workspace-renamed")
        .Register<WorkspaceArchived>("workspace-archived")
        .Register<MemberAdded>("member-added")
        .Register<MemberRemoved>("member-removed")
        .Register<MemberRoleChanged>("member-role-changed")
        .Register<TableCreated>("table-created", schemaVersion: 2)
        .Upcast("table-created", fromVersion: 1, TableCreatedV1ToV2)
        .Register<TableRemoved>("table-removed")
        .Register<RecordCreated>("record-created")
        .Register<RecordUpdated>("record-updated")
        .Register<RecordDeleted>("record-deleted");

    private static JsonObject TableCreatedV1ToV2(JsonObject v1)
    {
        var fields = new JsonArray();
        foreach (var column in v1["columns"]?.AsArray() ?? [])
        {
            fields.Add(new JsonObject { ["name"] = column?.GetValue<string>(), ["type"] = FieldTypes.Text, ["required"] = false });
        }

        return new JsonObject { ["tableId"] = v1["tableId"]?.DeepClone(), ["name"] = v1["name"]?.DeepClone(), ["fields"] = fields };
    }
}
