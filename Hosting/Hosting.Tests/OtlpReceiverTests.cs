using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Platform.Hosting.Dashboard.Otlp;

namespace Platform.Hosting.Tests;

/// <summary>The dashboard's OTLP receiver fed by the real OpenTelemetry .NET exporter (OTLP/HTTP protobuf) over a loopback socket.</summary>
public sealed class OtlpReceiverTests : IAsyncLifetime
{
    private readonly TelemetryStore _store = new();
    private WebApplication _app = null!;
    private string _url = "";

    public async ValueTask InitializeAsync()
    {
        _app = LoopbackWebApplication.Create(0, OtlpReceiver.MaxBodyBytes);
        _url = _app.Url();
        _app.MapOtlpReceiver(_store);
        await _app.StartAsync();
    }

    [Fact]
    public async Task Spans_arrive_with_their_parents_attributes_and_service()
    {
        using var source = new ActivitySource("otlp-test");
        using (var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource("orders", "orders-1")).AddSource("otlp-test")
                   .AddOtlpExporter(o => Exporter(o, "/v1/traces")).Build())
        {
            using (var parent = source.StartActivity("GET /orders", ActivityKind.Server))
            {
                parent!.SetTag("correlation.id", "corr-42");
                using var child = source.StartActivity("SELECT orders", ActivityKind.Client);
                child!.SetStatus(ActivityStatusCode.Error, "boom");
            }

            tracing.ForceFlush();
        }

        var trace = Assert.Single(_store.Traces("orders", "corr-42", 10));
        Assert.Equal(2, trace.Spans);
        Assert.Equal(1, trace.Errors);
        Assert.Equal("orders: GET /orders", trace.Name);
        var spans = _store.Trace(trace.TraceId);
        Assert.Equal(spans[0].SpanId, spans[1].ParentSpanId);
        Assert.Equal(("server", "client"), (spans[0].Kind, spans[1].Kind));
        Assert.Equal("orders-1", spans[0].Instance);
        Assert.Equal("boom", spans[1].StatusMessage);
        Assert.True(spans[0].DurationMs >= spans[1].DurationMs);
        await Task.CompletedTask;
    }

    [Fact]
    public void Logs_arrive_with_level_message_scope_and_trace()
    {
        using var source = new ActivitySource("otlp-log-test");
        using var listener = new ActivityListener { ShouldListenTo = s => s.Name == "otlp-log-test", Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
        ActivitySource.AddActivityListener(listener);
        string traceId;
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
               {
                   o.SetResourceBuilder(Resource("billing", "billing-0"));
                   o.IncludeScopes = true;
                   o.IncludeFormattedMessage = true;
                   o.AddOtlpExporter(e => Exporter(e, "/v1/logs"));
               })))
        {
            var logger = factory.CreateLogger("test");
            using var activity = source.StartActivity("work")!;
            traceId = activity.TraceId.ToHexString();
            using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = "corr-7" }))
            {
                logger.LogWarning("Invoice {Number} is late", 17);
            }
        }

        var log = Assert.Single(_store.Logs("billing", "warning", "late", null, "corr-7", 10));
        Assert.Equal("Invoice 17 is late", log.Message);
        Assert.Equal("warning", log.Level);
        Assert.Equal(traceId, log.TraceId);
        Assert.Empty(_store.Logs("billing", "error", null, null, null, 10));
    }

    [Fact]
    public void Metrics_arrive_as_series_with_counter_values_and_histogram_buckets()
    {
        using var meter = new Meter("otlp-metric-test");
        var requests = meter.CreateCounter<long>("requests");
        var latency = meter.CreateHistogram<double>("latency", "ms");
        using (var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(Resource("gateway", "gateway-0")).AddMeter("otlp-metric-test")
                   .AddOtlpExporter((e, reader) =>
                   {
                       Exporter(e, "/v1/metrics");
                       reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000;
                   }).Build())
        {
            requests.Add(3, new KeyValuePair<string, object?>("route", "/a"));
            latency.Record(12);
            latency.Record(30);
            metrics.ForceFlush();
        }

        var counter = Assert.Single(_store.Metrics("gateway", "requests"));
        Assert.Equal(("sum", "route=/a", 3d), (counter.Kind, counter.Attributes, counter.Points[^1].Value));
        var histogram = Assert.Single(_store.Metrics("gateway", "latency"));
        Assert.Equal(("histogram", "ms", 2L, 42d), (histogram.Kind, histogram.Unit, histogram.Points[^1].Count, histogram.Points[^1].Sum));
        Assert.Equal(histogram.Points[^1].Bounds.Count + 1, histogram.Points[^1].Buckets.Count);
    }

    [Fact]
    public async Task A_body_that_is_not_an_export_request_is_refused()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_url) };
        using var garbage = await http.PostAsync("/v1/traces", new ByteArrayContent([0xFF, 0xFF, 0xFF]) { Headers = { ContentType = new("application/x-protobuf") } });
        using var json = await http.PostAsync("/v1/traces", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal(0, _store.SpansReceived);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static ResourceBuilder Resource(string service, string instance)
        => ResourceBuilder.CreateEmpty().AddService(service, serviceInstanceId: instance, autoGenerateServiceInstanceId: false);

    private void Exporter(OtlpExporterOptions options, string path)
    {
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = new Uri(_url + path);
        options.ExportProcessorType = ExportProcessorType.Simple;
    }
}
