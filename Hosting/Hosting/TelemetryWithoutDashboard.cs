using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting;

public static class TelemetryWithoutDashboard
{
    /// <summary>
    /// Aspire gives every project an OTLP endpoint (the dashboard's) even when the dashboard is disabled, as the test host
    /// disables it: each service would then trace every request and send traces, logs and metrics every second to a port
    /// where nothing listens. Without a dashboard this takes the OTLP settings back (the service's name and instance stay), so services keep their console logs
    /// and their Prometheus <c>/metrics</c> and spend nothing on telemetry nobody receives. With a dashboard
    /// (<c>./platform run</c>) they export every 5 s (metrics) and 2 s (traces and logs) instead of every second.
    /// </summary>
    public static IDistributedApplicationBuilder ExportTelemetryOnlyToTheDashboard(this IDistributedApplicationBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // Added after AddProject's own callback, so it runs after it and sees the variables that callback set.
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                if (!context.ExecutionContext.IsRunMode)
                {
                    return;
                }

                if (!context.ExecutionContext.Services.GetRequiredService<DistributedApplicationOptions>().DisableDashboard)
                {
                    // Aspire's development defaults export every second: some 3 % of a core per service even when idle, a
                    // core for the whole graph, which slows its own start on a small machine. The dashboard's charts and
                    // traces stay live at these paces.
                    context.EnvironmentVariables["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
                    context.EnvironmentVariables["OTEL_BSP_SCHEDULE_DELAY"] = "2000";
                    context.EnvironmentVariables["OTEL_BLRP_SCHEDULE_DELAY"] = "2000";
                    return;
                }

                foreach (var name in context.EnvironmentVariables.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) && k is not ("OTEL_SERVICE_NAME" or "OTEL_RESOURCE_ATTRIBUTES")).ToList())
                {
                    context.EnvironmentVariables.Remove(name);
                }
            }));
        }

        return builder;
    }
}
