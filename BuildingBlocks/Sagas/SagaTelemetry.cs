using System.Diagnostics.Metrics;

namespace Platform.Sagas;

/// <summary>The orchestrator's meter: how sagas end, by saga and outcome (completed, failed).</summary>
internal static class SagaTelemetry
{
    private static readonly Meter Meter = new("Platform.Sagas");

    public static readonly Counter<long> Ended = Meter.CreateCounter<long>("platform.sagas.ended", description: "Sagas that ended, by saga and status.");
}
