using System.Diagnostics.Metrics;

namespace Platform.QueryNode;

/// <summary>
/// The tenant node's meter, at <c>/metrics</c>: fragments in the engine now, and those cancelled because their caller went
/// away (the operation node's budget ran out or its client left) before they finished.
/// </summary>
internal static class NodeTelemetry
{
    private static readonly Meter Meter = new("Platform.QueryNode");

    public static readonly UpDownCounter<long> Running = Meter.CreateUpDownCounter<long>("platform.query_node.fragments.running", description: "Fragments executing in this node's engine.");

    public static readonly Counter<long> Cancelled = Meter.CreateCounter<long>("platform.query_node.fragments.cancelled", description: "Fragments stopped because their caller went away.");
}
