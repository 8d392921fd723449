using Platform.Sagas;

namespace Platform.Workspaces.Provisioning;

/// <summary>
/// A workspace made from a template, step by step: the workspace, its tables, the template's seed records, the member
/// permissions asked for. A failure unwinds them in reverse order, ending with the workspace itself erased.
/// </summary>
internal sealed class WorkspaceProvisioningSaga : SagaDefinition
{
    public const string SagaName = "workspace-provisioning";

    public override string Name => SagaName;

    public override IReadOnlyList<SagaStepDefinition> Steps { get; } =
    [
        new("workspace", "workspaces"),
        new("tables", "workspaces"),
        new("records", "workspaces"),
        new("members", "workspaces"),
    ];
}
