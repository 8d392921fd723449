using System.Text.Json;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.Provisioning;

public sealed record TemplateTable(string Name, IReadOnlyList<FieldDefinition> Fields);

public sealed record TemplateRecord(string Table, IReadOnlyDictionary<string, JsonElement> Values);

/// <summary>What a new workspace starts with: its tables and a few example records.</summary>
public sealed record WorkspaceTemplate(string Name, IReadOnlyList<TemplateTable> Tables, IReadOnlyList<TemplateRecord> Records);

public static class WorkspaceTemplates
{
    public static readonly IReadOnlyDictionary<string, WorkspaceTemplate> All = new[]
    {
        new WorkspaceTemplate("project-tracker",
            [
                new TemplateTable("tasks", [new("title", FieldTypes.Text, true), new("done", FieldTypes.Boolean, false), new("due", FieldTypes.Date, false)]),
                new TemplateTable("milestones", [new("name", FieldTypes.Text, true), new("date", FieldTypes.Date, false)]),
            ],
            [
                Record("tasks", new { title = "Invite the team", done = false }),
                Record("tasks", new { title = "Plan the first milestone", done = false }),
                Record("milestones", new { name = "Kick-off" }),
            ]),
        new WorkspaceTemplate("crm",
            [
                new TemplateTable("contacts", [new("name", FieldTypes.Text, true), new("email", FieldTypes.Text, false)]),
                new TemplateTable("deals", [new("title", FieldTypes.Text, true), new("amount", FieldTypes.Number, false), new("won", FieldTypes.Boolean, false)]),
            ],
            [
                Record("contacts", new { name = "Ada Example", email = "ada@example.com" }),
                Record("deals", new { title = "First deal", amount = 1000 }),
            ]),
    }.ToDictionary(t => t.Name);

    private static TemplateRecord Record(string table, object values)
        => new(table, JsonSerializer.SerializeToElement(values, JsonSerializerOptions.Web).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
}
