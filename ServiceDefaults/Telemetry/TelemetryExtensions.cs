using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Platform.ServiceDefaults.Health;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Metrics always, scraped as Prometheus text at <c>/metrics</c> (OpenTelemetry's Prometheus exporter); traces, metrics
/// and logs over OTLP too when OTEL_EXPORTER_OTLP_ENDPOINT is set (with OTEL_EXPORTER_OTLP_PROTOCOL, as Aspire passes
/// them): the OpenTelemetry instrumentation of ASP.NET Core, HttpClient, the runtime and Npgsql, plus the sources of YARP,
/// MassTransit and the platform's own loops.
/// </summary>
internal static class TelemetryExtensions
{
    private static readonly string[] Sources = ["Yarp.ReverseProxy", "MassTransit", "Platform.*"];
    /// <summary>The platform's own meters, MassTransit's, and Polly's (resilience events: retries, timeouts, circuits opening and closing).</summary>
    private static readonly string[] Meters = ["MassTransit", "Platform.*", "Polly"];

    /// <summary>Categories that log a line or two per request or per database command at Information; the trace already says it.</summary>
    private static readonly string[] PerOperationCategories = ["Microsoft.AspNetCore", "Yarp", "System.Net.Http.HttpClient", "Npgsql"];

    public static void AddPlatformTelemetry(this WebApplicationBuilder builder)
    {
        // Per-operation lines cost throughput and bury the lines worth reading (start-up, warnings, the platform's own);
        // Logging__LogLevel__<category> still overrides this for one run.
        foreach (var category in PerOperationCategories.Where(c => builder.Configuration[$"Logging:LogLevel:{c}"] is null))
        {
            builder.Logging.AddFilter(category, LogLevel.Warning);
        }

        // One console line per entry, without scopes (they would triple the bytes every request writes); the access
        // lines name their ids, and the structured logs (OTLP) carry every entry's scopes.
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var telemetry = builder.Services.AddOpenTelemetry()
            // The instance id comes from OTEL_RESOURCE_ATTRIBUTES (the host names each replica); no random one on top.
            .ConfigureResource(resource => resource.AddService(serviceName, autoGenerateServiceInstanceId: false))
            // Metrics are always kept, for /metrics (Prometheus text) and, with an endpoint, OTLP.
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(Meters)
                .AddPrometheusExporter());

        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        builder.Services.AddHostedService<TelemetryFlush>();

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeScopes = true;
            logging.IncludeFormattedMessage = true;
        });
        telemetry
            .WithTracing(tracing => tracing
                // Health probes (the host's and YARP's, every second) would bury the traces worth reading.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !HealthExtensions.IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource(Sources)
                .AddProcessor(new NoiseFilter()))
            .UseOtlpExporter();
    }
}
