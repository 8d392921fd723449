using JasperFx.Events.Projections;
using Marten;
using Platform.EventStore;
using Platform.Workspaces.Domain;
using Platform.Workspaces.ReadModels;

namespace Platform.Workspaces.Storage;

/// <summary>
/// The workspaces service's Marten configuration: one stream per workspace, the event type names (the stored names of
/// the first version; a changed shape gets a new name and an upcaster from the old one), the inline snapshot and
/// details/members views, and the async records view run by the daemon.
/// </summary>
internal static class WorkspaceStore
{
    /// <summary>The snapshot document's table (Marten names it after the aggregate).</summary>
    public const string SnapshotTable = "mt_doc_workspace";

    /// <summary>The projections an operator may rebuild from the events (POST /internal/projections/{name}/rebuild).</summary>
    public static readonly IReadOnlyList<string> Projections = ["workspace-snapshot", "workspace-details", RecordsProjection.ProjectionName];

    public static void Configure(StoreOptions options)
    {
        options.Events.MapEventType<WorkspaceCreated>("workspace-created");
        options.Events.MapEventType<WorkspaceRenamed>("workspace-renamed");
        options.Events.MapEventType<WorkspaceArchived>("workspace-archived");
        options.Events.MapEventType<MemberAdded>("member-added");
        options.Events.MapEventType<MemberRemoved>("member-removed");
        options.Events.MapEventType<MemberRoleChanged>("member-role-changed");
        options.Events.MapEventType<TableCreated>("table-created.v2");
        options.Events.Upcast<TableCreatedV1, TableCreated>("table-created", TableCreatedV1.Upcast);
        options.Events.MapEventType<TableRemoved>("table-removed");
        options.Events.MapEventType<RecordCreated>("record-created");
        options.Events.MapEventType<RecordUpdated>("record-updated");
        options.Events.MapEventType<RecordDeleted>("record-deleted");

        MartenEventStore.IsolateDocument<Workspace>(options);
        options.Projections.Add(new WorkspaceSnapshot(), ProjectionLifecycle.Inline);
        options.Projections.Add(new WorkspaceDetailsProjection(), ProjectionLifecycle.Inline);
        options.Projections.Add(new RecordsProjection(), ProjectionLifecycle.Async, RecordsProjection.Configure);
    }
}
