using System.Diagnostics;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Keeps the traces worth reading: leaves out YARP's active health checks (every second, and everything they cause
/// downstream, since a span whose parent is not recorded is not sampled either), and database calls outside any request
/// or message (the polling of background loops; a loop that finds work starts its own span).
/// </summary>
internal sealed class NoiseFilter : OpenTelemetry.BaseProcessor<Activity>
{
    public override void OnStart(Activity data)
    {
        if (data.OperationName == "proxy.cluster_health_checks" || (data.Source.Name == "Npgsql" && data.ParentSpanId == default))
        {
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            data.IsAllDataRequested = false;
        }
    }
}
