using System.Diagnostics;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Platform.Hosting;
using Platform.Hosting.Dashboard.Otlp;
using Platform.Hosting.Dashboard.Otlp.Proto;

namespace Platform.Benchmarks;

/// <summary>
/// The dashboard's OTLP ingest: export requests of 512 spans each, posted by 4 concurrent clients over HTTP to the
/// receiver (the dashboard's own route and store), against the same requests decoded and stored in process (baseline).
/// Reports spans/s and the managed heap once the store holds its 100 000-span bound.
/// </summary>
internal static class DashboardBenchmarks
{
    private const int SpansPerRequest = 512;
    private const int Requests = 800;

    public static async Task RunAsync()
    {
        var payloads = Enumerable.Range(0, 64).Select(Request).ToArray();

        var inProcess = new TelemetryStore();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Requests; i++)
        {
            inProcess.Add(ExportTraceServiceRequest.Parser.ParseFrom(payloads[i % payloads.Length]));
        }

        var baseline = Requests * SpansPerRequest / clock.Elapsed.TotalSeconds;

        var store = new TelemetryStore();
        await using var app = LoopbackWebApplication.Create(0, OtlpReceiver.MaxBodyBytes);
        app.MapOtlpReceiver(store);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Url()) };
        var next = -1;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Requests)
            {
                using var content = new ByteArrayContent(payloads[i % payloads.Length]);
                content.Headers.ContentType = new("application/x-protobuf");
                using var response = await http.PostAsync("/v1/traces", content);
                response.EnsureSuccessStatusCode();
            }
        }));
        var overHttp = Requests * SpansPerRequest / clock.Elapsed.TotalSeconds;
        GC.Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: true) / 1024.0 / 1024.0;

        Console.WriteLine();
        Console.WriteLine($"{"dashboard OTLP ingest (" + Requests + " requests x " + SpansPerRequest + " spans)",-58} {"spans/s",12} {"ratio",8}");
        Console.WriteLine($"{"decode + store in process (baseline)",-58} {baseline,12:0} {"1.00",8}");
        Console.WriteLine($"{"POST /v1/traces, 4 concurrent clients",-58} {overHttp,12:0} {overHttp / baseline,8:0.00}");
        Console.WriteLine($"  managed heap with both stores full (100 000 spans each, older ones evicted): {heap:0} MiB, about {heap * 1024 / 200_000:0.00} KiB per span");
        Console.WriteLine($"  process resident set at that point: {Measure.RssMegabytes(Environment.ProcessId):0} MiB");

        // What the traces page costs on a full store: the newest 100 traces, and a search by correlation id.
        var (listP50, listP99) = await Measure.LatencyAsync(20, _ => Task.FromResult(store.Traces(null, null, 100)));
        var (searchP50, searchP99) = await Measure.LatencyAsync(20, i => Task.FromResult(store.Traces(null, $"bench-{Math.Max(0, i) % 64}-17", 100)));
        Console.WriteLine($"  traces query on the full store: newest 100 p50 {listP50:0.0} ms, p99 {listP99:0.0} ms; by correlation id p50 {searchP50:0.0} ms, p99 {searchP99:0.0} ms");
        GC.KeepAlive(inProcess);
        await ChartsAsync();
    }

    /// <summary>
    /// The metrics page on a full metric store: 30 minutes of 5 s exports (360 points, the bound) from 5 instances of
    /// 12 routes each, and their runtime series; what the routes table, a chart set and the runtime charts cost.
    /// </summary>
    private static async Task ChartsAsync()
    {
        var store = new TelemetryStore();
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        for (var export = 0; export < 360; export++)
        {
            store.Add(MetricsExport(start, start.AddSeconds(5 * export), export));
        }

        var series = store.Metrics(null, null);
        var requests = store.Metrics(null, MetricCharts.RequestDuration);
        var (routesP50, _) = await Measure.LatencyAsync(10, _ => Task.FromResult(MetricCharts.Routes(requests)));
        var (allP50, _) = await Measure.LatencyAsync(10, _ => Task.FromResult(MetricCharts.Requests(requests, null, null)));
        var (runtimeP50, _) = await Measure.LatencyAsync(10, _ => Task.FromResult(MetricCharts.Runtime(series, null)));
        Console.WriteLine($"  metrics on a full store ({series.Count} series x 360 points): routes table p50 {routesP50:0.0} ms, request charts of all routes p50 {allP50:0.0} ms, runtime charts of all instances p50 {runtimeP50:0.0} ms");
    }

    private static ExportMetricsServiceRequest MetricsExport(DateTimeOffset start, DateTimeOffset time, int export)
    {
        static ulong Nanos(DateTimeOffset t) => (ulong)t.ToUnixTimeMilliseconds() * 1_000_000;
        var request = new ExportMetricsServiceRequest();
        for (var instance = 0; instance < 5; instance++)
        {
            var histogram = new Histogram { AggregationTemporality = 2 };
            for (var route = 0; route < 12; route++)
            {
                var count = (ulong)(export * (route + 1));
                var point = new HistogramDataPoint
                {
                    StartTimeUnixNano = Nanos(start), TimeUnixNano = Nanos(time), Count = count, Sum = count * 0.02,
                    ExplicitBounds = { 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10 },
                };
                point.BucketCounts.Add(Enumerable.Range(0, 15).Select(b => b == 3 ? count : 0UL));
                point.Attributes.Add(new KeyValue { Key = "http.route", Value = new AnyValue { StringValue = $"/api/route-{route}" } });
                histogram.DataPoints.Add(point);
            }

            var cpu = new Sum { AggregationTemporality = 2, IsMonotonic = true, DataPoints = { new NumberDataPoint { StartTimeUnixNano = Nanos(start), TimeUnixNano = Nanos(time), AsDouble = export * 0.5 } } };
            var memory = new Sum { AggregationTemporality = 2, DataPoints = { new NumberDataPoint { TimeUnixNano = Nanos(time), AsInt = 150L << 20 } } };
            request.ResourceMetrics.Add(new ResourceMetrics
            {
                Resource = new Resource
                {
                    Attributes =
                    {
                        new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = $"service-{instance % 3}" } },
                        new KeyValue { Key = "service.instance.id", Value = new AnyValue { StringValue = $"instance-{instance}" } },
                    },
                },
                ScopeMetrics =
                {
                    new ScopeMetrics
                    {
                        Metrics =
                        {
                            new Metric { Name = MetricCharts.RequestDuration, Unit = "s", Histogram = histogram },
                            new Metric { Name = "dotnet.process.cpu.time", Unit = "s", Sum = cpu },
                            new Metric { Name = "dotnet.process.memory.working_set", Unit = "By", Sum = memory },
                        },
                    },
                },
            });
        }

        return request;
    }

    private static byte[] Request(int seed)
    {
        var random = new Random(seed);
        var spans = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench" } };
        var trace = ByteString.CopyFrom(RandomBytes(random, 16));
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        for (var i = 0; i < SpansPerRequest; i++)
        {
            if (i % 8 == 0)
            {
                trace = ByteString.CopyFrom(RandomBytes(random, 16));
            }

            spans.Spans.Add(new Span
            {
                TraceId = trace,
                SpanId = ByteString.CopyFrom(RandomBytes(random, 8)),
                Name = "GET /api/workspaces/{id}",
                Kind = 2,
                StartTimeUnixNano = start + (ulong)(i * 1000),
                EndTimeUnixNano = start + (ulong)(i * 1000) + 2_500_000,
                Attributes =
                {
                    new KeyValue { Key = "http.request.method", Value = new AnyValue { StringValue = "GET" } },
                    new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 200 } },
                    new KeyValue { Key = "correlation.id", Value = new AnyValue { StringValue = $"bench-{seed}-{i}" } },
                },
            });
        }

        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans
        {
            Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "workspaces" } } } },
            ScopeSpans = { spans },
        });
        return request.ToByteArray();
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
