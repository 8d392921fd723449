using System.Globalization;
using Platform.Hosting.Dashboard.Otlp.Proto;

namespace Platform.Hosting.Dashboard.Otlp;

public sealed record SpanView(
    string TraceId, string SpanId, string? ParentSpanId, string Name, string Service, string Instance, string Kind,
    DateTimeOffset Start, double DurationMs, bool Error, string? StatusMessage, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> Links)
{
    public string? CorrelationId => Attributes.GetValueOrDefault("correlation.id");
}

public sealed record TraceSummary(string TraceId, string Name, IReadOnlyList<string> Services, DateTimeOffset Start, double DurationMs, int Spans, int Errors, string? CorrelationId);

public sealed record LogView(
    DateTimeOffset Time, string Service, string Instance, string Level, string Message, string? TraceId, string? SpanId, IReadOnlyDictionary<string, string> Attributes)
{
    public string? CorrelationId => Attributes.GetValueOrDefault("CorrelationId");
}

/// <summary>A metric's value at one export: a number (gauge, counter) or a histogram's count, sum and buckets.</summary>
public sealed record MetricPoint(DateTimeOffset Time, double Value, long Count, double Sum, IReadOnlyList<double> Bounds, IReadOnlyList<ulong> Buckets);

/// <summary>One instance's series of a metric with one set of attributes. <paramref name="Cumulative"/>: each point counts from the series' start (OTLP's default temporality).</summary>
public sealed record MetricSeries(
    string Service, string Instance, string Name, string Unit, string Kind, bool Cumulative, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<MetricPoint> Points)
{
    public string Attributes => string.Join(",", Labels.Select(l => $"{l.Key}={l.Value}").Order(StringComparer.Ordinal));

    /// <summary>What identifies the series in the store: instance, metric and attributes.</summary>
    public string Key => $"{Instance}|{Name}|{Attributes}";
}

/// <summary>
/// What the OTLP receiver took in, kept in memory with fixed bounds (oldest dropped first): spans, log records, and
/// metric series with their most recent points. Everything is indexed by what the dashboard filters on.
/// </summary>
public sealed class TelemetryStore(int maxSpans = 100_000, int maxLogs = 50_000, int pointsPerSeries = 360)
{
    private readonly Lock _gate = new();
    private readonly Queue<SpanView> _spans = new();
    private readonly Dictionary<string, TraceEntry> _traces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _tracesByCorrelation = new(StringComparer.Ordinal);
    private readonly Queue<LogView> _logs = new();
    private readonly Dictionary<string, (MetricSeries Series, Queue<MetricPoint> Points)> _series = new(StringComparer.Ordinal);

    public long SpansReceived { get; private set; }

    public long LogsReceived { get; private set; }

    public long PointsReceived { get; private set; }

    public void Add(ExportTraceServiceRequest request)
    {
        var spans = new List<SpanView>();
        foreach (var resource in request.ResourceSpans)
        {
            var (service, instance) = Identity(resource.Resource);
            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
            {
                var start = Time(span.StartTimeUnixNano);
                spans.Add(new SpanView(
                    Hex(span.TraceId), Hex(span.SpanId), span.ParentSpanId.IsEmpty ? null : Hex(span.ParentSpanId), span.Name, service, instance,
                    span.Kind switch { 2 => "server", 3 => "client", 4 => "producer", 5 => "consumer", _ => "internal" },
                    start, (span.EndTimeUnixNano - (double)span.StartTimeUnixNano) / 1_000_000, span.Status?.Code == 2, NullIfEmpty(span.Status?.Message),
                    Attributes(span.Attributes), span.Links.Select(l => $"{Hex(l.TraceId)}/{Hex(l.SpanId)}").ToList()));
            }
        }

        lock (_gate)
        {
            foreach (var span in spans)
            {
                _spans.Enqueue(span);
                if (!_traces.TryGetValue(span.TraceId, out var trace))
                {
                    _traces[span.TraceId] = trace = new TraceEntry();
                }

                trace.Add(span);
                if (span.CorrelationId is { } correlationId && trace.Correlations.Add(correlationId))
                {
                    if (!_tracesByCorrelation.TryGetValue(correlationId, out var traces))
                    {
                        _tracesByCorrelation[correlationId] = traces = new HashSet<string>(StringComparer.Ordinal);
                    }

                    traces.Add(span.TraceId);
                }
            }

            while (_spans.Count > maxSpans)
            {
                var old = _spans.Dequeue();
                if (_traces.TryGetValue(old.TraceId, out var trace) && trace.Remove(old) && trace.Spans.Count == 0)
                {
                    _traces.Remove(old.TraceId);
                    foreach (var correlationId in trace.Correlations)
                    {
                        if (_tracesByCorrelation.TryGetValue(correlationId, out var traces) && traces.Remove(old.TraceId) && traces.Count == 0)
                        {
                            _tracesByCorrelation.Remove(correlationId);
                        }
                    }
                }
            }

            SpansReceived += spans.Count;
        }
    }

    public void Add(ExportLogsServiceRequest request)
    {
        var logs = new List<LogView>();
        foreach (var resource in request.ResourceLogs)
        {
            var (service, instance) = Identity(resource.Resource);
            foreach (var log in resource.ScopeLogs.SelectMany(s => s.LogRecords))
            {
                logs.Add(new LogView(Time(log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano), service, instance, Level(log.SeverityNumber, log.SeverityText),
                    Text(log.Body) ?? "", log.TraceId.IsEmpty ? null : Hex(log.TraceId), log.SpanId.IsEmpty ? null : Hex(log.SpanId), Attributes(log.Attributes)));
            }
        }

        lock (_gate)
        {
            foreach (var log in logs)
            {
                _logs.Enqueue(log);
            }

            while (_logs.Count > maxLogs)
            {
                _logs.Dequeue();
            }

            LogsReceived += logs.Count;
        }
    }

    public void Add(ExportMetricsServiceRequest request)
    {
        var points = new List<(MetricSeries Series, MetricPoint Point, DateTimeOffset Start)>();
        foreach (var resource in request.ResourceMetrics)
        {
            var (service, instance) = Identity(resource.Resource);
            foreach (var metric in resource.ScopeMetrics.SelectMany(s => s.Metrics))
            {
                switch (metric.DataCase)
                {
                    case Metric.DataOneofCase.Gauge:
                        AddNumbers("gauge", false, metric.Gauge.DataPoints);
                        break;
                    case Metric.DataOneofCase.Sum:
                        AddNumbers("sum", metric.Sum.AggregationTemporality == CumulativeTemporality, metric.Sum.DataPoints);
                        break;
                    case Metric.DataOneofCase.Histogram:
                        var cumulative = metric.Histogram.AggregationTemporality == CumulativeTemporality;
                        foreach (var p in metric.Histogram.DataPoints)
                        {
                            points.Add((Series("histogram", cumulative, p.Attributes),
                                new MetricPoint(Time(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, (long)p.Count, p.Sum, [.. p.ExplicitBounds], [.. p.BucketCounts]),
                                Time(p.StartTimeUnixNano)));
                        }

                        break;
                }

                MetricSeries Series(string kind, bool cumulative, IEnumerable<KeyValue> attributes)
                    => new(service, instance, metric.Name, metric.Unit, kind, cumulative, Attributes(attributes), []);

                void AddNumbers(string kind, bool cumulative, IEnumerable<NumberDataPoint> data)
                {
                    foreach (var p in data)
                    {
                        var value = p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;
                        points.Add((Series(kind, cumulative, p.Attributes), new MetricPoint(Time(p.TimeUnixNano), value, 0, 0, [], []), Time(p.StartTimeUnixNano)));
                    }
                }
            }
        }

        lock (_gate)
        {
            foreach (var (incoming, point, start) in points)
            {
                var key = incoming.Key;
                if (!_series.TryGetValue(key, out var series))
                {
                    _series[key] = series = (incoming, new Queue<MetricPoint>());
                    if (incoming.Cumulative)
                    {
                        // A series appears at its first export, with everything it counted since the previous one (an SDK
                        // creates it at its first measurement): start it from zero one export interval earlier (or at its
                        // start time, if later), so what it counted shows as a rate instead of vanishing into the baseline.
                        var zero = point.Time - MetricCharts.Step > start ? point.Time - MetricCharts.Step : start;
                        if (zero < point.Time)
                        {
                            series.Points.Enqueue(point with { Time = zero, Value = 0, Count = 0, Sum = 0, Buckets = [.. point.Buckets.Select(_ => 0UL)] });
                        }
                    }
                }

                series.Points.Enqueue(point);
                while (series.Points.Count > pointsPerSeries)
                {
                    series.Points.Dequeue();
                }
            }

            PointsReceived += points.Count;
        }
    }

    /// <summary>
    /// The newest traces first; <paramref name="search"/> matches a trace id or a correlation id (both indexed), or
    /// else part of a span name (a scan). Only the traces returned are summarized.
    /// </summary>
    public IReadOnlyList<TraceSummary> Traces(string? service, string? search, int limit)
    {
        lock (_gate)
        {
            IEnumerable<TraceEntry> found = _traces.Values;
            if (!string.IsNullOrEmpty(search))
            {
                var indexed = (_tracesByCorrelation.GetValueOrDefault(search) ?? []).Append(search)
                    .Select(id => _traces.GetValueOrDefault(id)).OfType<TraceEntry>().Distinct().ToList();
                found = indexed.Count > 0 ? indexed : found.Where(t => t.Spans.Exists(s => s.Name.Contains(search, StringComparison.OrdinalIgnoreCase)));
            }

            return found
                .Where(t => service is null || t.Spans.Exists(s => s.Service == service))
                .OrderByDescending(t => t.Start)
                .Take(limit)
                .Select(t => Summarize(t.Spans))
                .ToList();
        }
    }

    /// <summary>A trace's spans in start order (the waterfall), or empty.</summary>
    public IReadOnlyList<SpanView> Trace(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId, out var trace) ? [.. trace.Spans.OrderBy(s => s.Start).ThenBy(s => -s.DurationMs)] : [];
        }
    }

    public IReadOnlyList<LogView> Logs(string? service, string? minimumLevel, string? text, string? traceId, string? correlationId, int limit)
    {
        var floor = Array.IndexOf(Levels, minimumLevel?.ToLowerInvariant() ?? "trace");
        lock (_gate)
        {
            return _logs.Reverse()
                .Where(l => (service is null || l.Service == service) && Array.IndexOf(Levels, l.Level) >= floor
                            && (traceId is null || l.TraceId == traceId) && (correlationId is null || l.CorrelationId == correlationId)
                            && (string.IsNullOrEmpty(text) || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase)))
                .Take(limit)
                .ToList();
        }
    }

    /// <summary>Series with their points: of a service and a metric (every one if null), or the one series with <paramref name="key"/>.</summary>
    public IReadOnlyList<MetricSeries> Metrics(string? service, string? name, string? key = null)
    {
        lock (_gate)
        {
            return Matching(service, name, key).Select(s => s.Series with { Points = [.. s.Points] }).ToList();
        }
    }

    /// <summary>Every series, without its points (what a series picker lists).</summary>
    public IReadOnlyList<MetricSeries> Catalog()
    {
        lock (_gate)
        {
            return Matching(null, null, null).Select(s => s.Series).ToList();
        }
    }

    private IEnumerable<(MetricSeries Series, Queue<MetricPoint> Points)> Matching(string? service, string? name, string? key)
        => (key is null ? _series.Values : _series.TryGetValue(key, out var one) ? [one] : (IEnumerable<(MetricSeries Series, Queue<MetricPoint> Points)>)[])
                .Where(s => (service is null || s.Series.Service == service) && (name is null || s.Series.Name == name))
                .OrderBy(s => s.Series.Service).ThenBy(s => s.Series.Name).ThenBy(s => s.Series.Instance).ThenBy(s => s.Series.Attributes, StringComparer.Ordinal);

    private const int CumulativeTemporality = 2;

    /// <summary>A trace's spans as they arrived, its earliest start, and the correlation ids its spans carry.</summary>
    private sealed class TraceEntry
    {
        public List<SpanView> Spans { get; } = [];

        public HashSet<string> Correlations { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Start { get; private set; } = DateTimeOffset.MaxValue;

        public void Add(SpanView span)
        {
            Spans.Add(span);
            Start = span.Start < Start ? span.Start : Start;
        }

        public bool Remove(SpanView span)
        {
            if (!Spans.Remove(span))
            {
                return false;
            }

            if (span.Start == Start && Spans.Count > 0)
            {
                Start = Spans.Min(s => s.Start);
            }

            return true;
        }
    }

    private static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "critical"];

    private static TraceSummary Summarize(List<SpanView> spans)
    {
        var root = spans.Find(s => s.ParentSpanId is null || spans.TrueForAll(p => p.SpanId != s.ParentSpanId)) ?? spans[0];
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.Start.AddMilliseconds(s.DurationMs));
        return new TraceSummary(root.TraceId, $"{root.Service}: {root.Name}", [.. spans.Select(s => s.Service).Distinct().Order()], start,
            (end - start).TotalMilliseconds, spans.Count, spans.Count(s => s.Error), spans.Select(s => s.CorrelationId).FirstOrDefault(c => c is not null));
    }

    private static (string Service, string Instance) Identity(Resource? resource)
    {
        var attributes = Attributes(resource?.Attributes ?? []);
        var service = attributes.GetValueOrDefault("service.name") ?? "unknown";
        return (service, attributes.GetValueOrDefault("service.instance.id") ?? service);
    }

    private static string Level(int severity, string text) => severity switch
    {
        >= 21 => "critical",
        >= 17 => "error",
        >= 13 => "warning",
        >= 9 => "information",
        >= 5 => "debug",
        >= 1 => "trace",
        _ => text.ToLowerInvariant() switch { "" => "information", var t => t },
    };

    private static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = Text(attribute.Value) ?? "";
        }

        return result;
    }

    private static string? Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {Text(kv.Value)}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToHexStringLower(value.BytesValue.Span),
        _ => null,
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Hex(Google.Protobuf.ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static DateTimeOffset Time(ulong unixNanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanos / 100));
}
