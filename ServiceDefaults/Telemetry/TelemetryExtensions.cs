using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Traces, metrics and logs over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. .NET 10 emits ASP.NET Core,
/// HttpClient and runtime telemetry natively, so the providers only subscribe to those sources.
/// </summary>
internal static class TelemetryExtensions
{
    public static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "Yarp.ReverseProxy", "MassTransit", "Platform.*"];
    public static readonly string[] Meters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime", "Npgsql", "MassTransit", "Platform.*"];

    public static void AddPlatformTelemetry(this WebApplicationBuilder builder)
    {
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        // The instance id comes from OTEL_RESOURCE_ATTRIBUTES (the host names each replica); no random one on top.
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName, autoGenerateServiceInstanceId: false);
        void Otlp(OtlpExporterOptions o) => o.Protocol = OtlpExportProtocol.HttpProtobuf;

        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(Sources).AddProcessor(new NoiseFilter()).AddOtlpExporter(Otlp).Build();
        var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(Meters).AddOtlpExporter(Otlp).Build();
        builder.Services.AddSingleton(new TelemetryProviders(tracing, metrics));
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(resource);
            logging.IncludeScopes = true;
            logging.IncludeFormattedMessage = true;
            logging.AddOtlpExporter(Otlp);
        });
    }

    /// <summary>Owned by the container so the last batch is flushed when the service stops.</summary>
    private sealed class TelemetryProviders(TracerProvider? tracing, MeterProvider? metrics) : IDisposable
    {
        public void Dispose()
        {
            tracing?.Dispose();
            metrics?.Dispose();
        }
    }
}
