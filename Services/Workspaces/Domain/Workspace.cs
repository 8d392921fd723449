using System.Text.Json;

namespace Platform.Workspaces.Domain;

public sealed record TableSchema(string Name, IReadOnlyList<FieldDefinition> Fields);

/// <summary>
/// A workspace's state from its stream, and the rules of its commands. Plain serializable data (the snapshot document):
/// members by user id, tables by id, and which table each live record belongs to. Applying an event twice changes
/// nothing more than applying it once.
/// </summary>
public sealed class Workspace
{
    public const int MaxFields = 50;

    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public bool Archived { get; set; }

    public Dictionary<Guid, string> Members { get; set; } = [];

    public Dictionary<Guid, TableSchema> Tables { get; set; } = [];

    public Dictionary<Guid, Guid> Records { get; set; } = [];

    public string? RoleOf(Guid userId) => Members.GetValueOrDefault(userId);

    public void WhenAll(IEnumerable<object> domainEvents)
    {
        foreach (var domainEvent in domainEvents)
        {
            When(domainEvent);
        }
    }

    public void When(object domainEvent)
    {
        switch (domainEvent)
        {
            case WorkspaceCreated e:
                (Id, Name) = (e.WorkspaceId, e.Name);
                Members[e.OwnerId] = Roles.Owner;
                break;
            case WorkspaceRenamed e: Name = e.Name; break;
            case WorkspaceArchived: Archived = true; break;
            case MemberAdded e: Members[e.UserId] = e.Role; break;
            case MemberRoleChanged e: Members[e.UserId] = e.Role; break;
            case MemberRemoved e: Members.Remove(e.UserId); break;
            case TableCreated e: Tables[e.TableId] = new TableSchema(e.Name, e.Fields); break;
            case TableRemoved e: Tables.Remove(e.TableId); break;
            case RecordCreated e: Records[e.RecordId] = e.TableId; break;
            case RecordDeleted e: Records.Remove(e.RecordId); break;
            case RecordUpdated: break;
            default: throw new InvalidOperationException($"Workspace cannot apply {domainEvent.GetType().Name}.");
        }
    }

    public static Decision Create(Guid id, string? name, Guid ownerId)
        => ValidName(name) is { } invalid ? invalid : Decision.Accept(new WorkspaceCreated(id, name!.Trim(), ownerId));

    public Decision Rename(string? name)
        => ValidName(name) is { } invalid ? invalid : Decision.Accept(new WorkspaceRenamed(name!.Trim()));

    public Decision Archive() => Decision.Accept(new WorkspaceArchived());

    public Decision AddMember(Guid? userId, string? role)
    {
        if (userId is not { } id || id == Guid.Empty || !Roles.IsValid(role))
        {
            return Decision.Invalid("member", "userId and a role of owner, editor or viewer are required.");
        }

        return Members.ContainsKey(id) ? Decision.Reject(409, "That user is already a member.") : Decision.Accept(new MemberAdded(id, role!));
    }

    public Decision ChangeRole(Guid userId, string? role)
    {
        if (!Roles.IsValid(role))
        {
            return Decision.Invalid("role", "role must be owner, editor or viewer.");
        }

        if (!Members.TryGetValue(userId, out var current))
        {
            return Decision.Reject(404, "That user is not a member.");
        }

        if (current == Roles.Owner && role != Roles.Owner && IsLastOwner(userId))
        {
            return Decision.Reject(409, "A workspace keeps at least one owner.");
        }

        return current == role ? Decision.Accept() : Decision.Accept(new MemberRoleChanged(userId, role!));
    }

    public Decision RemoveMember(Guid userId)
    {
        if (!Members.ContainsKey(userId))
        {
            return Decision.Reject(404, "That user is not a member.");
        }

        return IsLastOwner(userId) ? Decision.Reject(409, "A workspace keeps at least one owner.") : Decision.Accept(new MemberRemoved(userId));
    }

    public Decision CreateTable(Guid tableId, string? name, IReadOnlyList<FieldDefinition?>? fields)
    {
        if (!FieldTypes.IsValidName(name))
        {
            return Decision.Invalid("name", "A table name is a letter followed by letters, digits or _ (at most 63).");
        }

        if (fields is null || fields.Count is 0 or > MaxFields || fields.Any(f => f is null || !FieldTypes.IsValidName(f.Name) || !FieldTypes.IsValid(f.Type)))
        {
            return Decision.Invalid("fields", $"1 to {MaxFields} fields, each with a valid name and a type of text, number, boolean or date.");
        }

        if (fields.Select(f => f!.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != fields.Count)
        {
            return Decision.Invalid("fields", "Field names must be unique.");
        }

        return Tables.Values.Any(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            ? Decision.Reject(409, "A table with that name exists.")
            : Decision.Accept(new TableCreated(tableId, name!, fields.Select(f => f!).ToList()));
    }

    /// <summary>Only an empty table can go (its records are deleted first, each with its own event).</summary>
    public Decision RemoveTable(Guid tableId)
    {
        if (!Tables.ContainsKey(tableId))
        {
            return Decision.Reject(404, "There is no such table.");
        }

        return Records.ContainsValue(tableId) ? Decision.Reject(409, "The table still has records.") : Decision.Accept(new TableRemoved(tableId));
    }

    public Decision CreateRecord(Guid tableId, Guid recordId, IReadOnlyDictionary<string, JsonElement>? values)
    {
        if (!Tables.TryGetValue(tableId, out var table))
        {
            return Decision.Reject(404, "There is no such table.");
        }

        var errors = Validate(table, values ?? new Dictionary<string, JsonElement>(), creating: true);
        return errors.Count > 0 ? Decision.Reject(400, "The record does not match the table's fields.", errors) : Decision.Accept(new RecordCreated(tableId, recordId, values!));
    }

    public Decision UpdateRecord(Guid tableId, Guid recordId, IReadOnlyDictionary<string, JsonElement>? values)
    {
        if (!Tables.TryGetValue(tableId, out var table) || Records.GetValueOrDefault(recordId) != tableId)
        {
            return Decision.Reject(404, "There is no such record.");
        }

        var errors = Validate(table, values ?? new Dictionary<string, JsonElement>(), creating: false);
        return errors.Count > 0 ? Decision.Reject(400, "The record does not match the table's fields.", errors) : Decision.Accept(new RecordUpdated(tableId, recordId, values!));
    }

    public Decision DeleteRecord(Guid tableId, Guid recordId)
        => Records.GetValueOrDefault(recordId) == tableId && Tables.ContainsKey(tableId)
            ? Decision.Accept(new RecordDeleted(tableId, recordId))
            : Decision.Reject(404, "There is no such record.");

    private static Dictionary<string, string[]> Validate(TableSchema table, IReadOnlyDictionary<string, JsonElement> values, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if (!creating && values.Count == 0)
        {
            errors["values"] = ["At least one field to change."];
        }

        foreach (var (name, value) in values)
        {
            var field = table.Fields.FirstOrDefault(f => f.Name == name);
            if (field is null)
            {
                errors[name] = ["The table has no such field."];
            }
            else if (value.ValueKind == JsonValueKind.Null ? field.Required : !FieldTypes.Accepts(field.Type, value))
            {
                errors[name] = [value.ValueKind == JsonValueKind.Null ? "The field is required." : $"Expected a {field.Type}{(field.Type == FieldTypes.Date ? " (yyyy-MM-dd)" : "")}."];
            }
        }

        foreach (var field in table.Fields.Where(f => creating && f.Required && !values.ContainsKey(f.Name)))
        {
            errors[field.Name] = ["The field is required."];
        }

        return errors;
    }

    private bool IsLastOwner(Guid userId) => Members.GetValueOrDefault(userId) == Roles.Owner && Members.Values.Count(r => r == Roles.Owner) == 1;

    private static Decision? ValidName(string? name)
        => string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200 ? Decision.Invalid("name", "A name of 1 to 200 characters is required.") : null;
}
