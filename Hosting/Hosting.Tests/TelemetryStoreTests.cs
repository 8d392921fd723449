using Google.Protobuf;
using Platform.Hosting.Dashboard.Otlp;
using Platform.Hosting.Dashboard.Otlp.Proto;

namespace Platform.Hosting.Tests;

/// <summary>The trace store's bounds and indexes, fed hand-made export requests.</summary>
public sealed class TelemetryStoreTests
{
    [Fact]
    public void Traces_are_found_by_correlation_id_trace_id_or_span_name_newest_first()
    {
        var store = new TelemetryStore();
        store.Add(Export(("t1", "GET /a", "corr-1", 1), ("t1", "SELECT", null, 2), ("t2", "POST /b", "corr-2", 3), ("t3", "GET /a", "corr-3", 4)));

        Assert.Equal(["t2"], Ids(store.Traces(null, "corr-2", 10)));
        Assert.Equal(["t1"], Ids(store.Traces(null, Hex("t1", 16), 10)));
        Assert.Equal(["t3", "t1"], Ids(store.Traces(null, "get /", 10)));
        Assert.Equal(["t3", "t2"], Ids(store.Traces(null, null, 2)));
        Assert.Equal("corr-1", store.Traces(null, "corr-1", 10).Single().CorrelationId);
    }

    [Fact]
    public void Evicted_traces_leave_the_indexes_and_the_bound_holds()
    {
        var store = new TelemetryStore(maxSpans: 3);
        store.Add(Export(("old", "GET /old", "corr-old", 1), ("old", "SELECT", null, 2)));
        store.Add(Export(("new", "GET /new", "corr-new", 3), ("new", "SELECT", null, 4)));

        // the oldest span went; the rest of its trace is still found by the trace's correlation id
        Assert.Equal(1, store.Traces(null, "corr-old", 10).Single().Spans);
        store.Add(Export(("newer", "GET /newer", "corr-newer", 5)));

        Assert.Empty(store.Trace(Hex("old", 16)));
        Assert.Empty(store.Traces(null, "corr-old", 10));
        Assert.Equal(["newer", "new"], Ids(store.Traces(null, null, 10)));
        Assert.Equal(3, store.Traces(null, null, 10).Sum(t => t.Spans));
        Assert.Equal(["new"], Ids(store.Traces(null, "corr-new", 10)));
    }

    [Fact]
    public void Requests_counted_before_a_series_first_export_show_as_a_rate()
    {
        // The login route's series is born at the first login; all 10 logins happened before its first export.
        var store = new TelemetryStore();
        var processStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        store.Add(Metrics(processStart, processStart.AddMinutes(5), 10));
        store.Add(Metrics(processStart, processStart.AddMinutes(5).AddSeconds(5), 10));

        var route = Assert.Single(MetricCharts.Routes(store.Metrics(null, MetricCharts.RequestDuration)));
        Assert.Equal(10 / 10.0, route.RequestsPerSecond, 6); // 10 requests over the 10 s the series covers
        Assert.NotNull(route.P50Ms);
    }

    private static ExportMetricsServiceRequest Metrics(DateTimeOffset start, DateTimeOffset time, ulong count)
    {
        static ulong Nanos(DateTimeOffset t) => (ulong)t.ToUnixTimeMilliseconds() * 1_000_000;
        var point = new HistogramDataPoint { StartTimeUnixNano = Nanos(start), TimeUnixNano = Nanos(time), Count = count, Sum = count * 0.05, ExplicitBounds = { 0.01, 0.1, 1 }, BucketCounts = { 0, count, 0, 0 } };
        point.Attributes.Add(new KeyValue { Key = "http.route", Value = new AnyValue { StringValue = "/api/auth/login" } });
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(new ResourceMetrics
        {
            Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "auth" } } } },
            ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = MetricCharts.RequestDuration, Unit = "s", Histogram = new Histogram { AggregationTemporality = 2, DataPoints = { point } } } } } },
        });
        return request;
    }

    private static List<string> Ids(IEnumerable<TraceSummary> traces) => [.. traces.Select(t => Name(t.TraceId))];

    private static ExportTraceServiceRequest Export(params (string Trace, string Name, string? Correlation, int Second)[] spans)
    {
        var scope = new ScopeSpans();
        var start = (ulong)new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
        foreach (var (trace, name, correlation, second) in spans)
        {
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(Convert.FromHexString(Hex(trace, 16))), SpanId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()[..8]), Name = name,
                StartTimeUnixNano = start + (ulong)second * 1_000_000_000, EndTimeUnixNano = start + (ulong)second * 1_000_000_000 + 1_000_000,
            };
            if (correlation is not null)
            {
                span.Attributes.Add(new KeyValue { Key = "correlation.id", Value = new AnyValue { StringValue = correlation } });
            }

            scope.Spans.Add(span);
        }

        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans
        {
            Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "svc" } } } },
            ScopeSpans = { scope },
        });
        return request;
    }

    // test trace names as hex trace ids, and back
    private static string Hex(string name, int bytes) => Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(name.PadRight(bytes, '_')));

    private static string Name(string hex) => System.Text.Encoding.ASCII.GetString(Convert.FromHexString(hex)).TrimEnd('_');
}
