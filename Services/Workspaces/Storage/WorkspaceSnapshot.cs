using JasperFx.Events;
using Marten.Events.Aggregation;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.Storage;

/// <summary>
/// The workspace's state as a document (mt_doc_workspace), updated inline in every command's transaction: loading a
/// workspace for writing reads this one row, never the stream.
/// </summary>
internal sealed class WorkspaceSnapshot : SingleStreamProjection<Workspace, Guid>
{
    public WorkspaceSnapshot() => Name = "workspace-snapshot";

    public override Workspace Evolve(Workspace? snapshot, Guid id, IEvent e)
    {
        snapshot ??= new Workspace { Id = id };
        snapshot.When(e.Data);
        return snapshot;
    }
}
