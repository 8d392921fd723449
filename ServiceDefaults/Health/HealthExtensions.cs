using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.ServiceDefaults.Health;

public static class HealthExtensions
{
    public const string LiveTag = "live";

    /// <summary>A probe (/alive, /health, /metrics): the host, the gateway and a scraper ask every few seconds.</summary>
    public static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments("/metrics");

    /// <summary>/alive: the process answers. /health: every dependency answers too (both report each check as JSON). /metrics: Prometheus text.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag), ResponseWriter = WriteAsync }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync }).AllowAnonymous().DisableRateLimiting();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous().DisableRateLimiting();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
