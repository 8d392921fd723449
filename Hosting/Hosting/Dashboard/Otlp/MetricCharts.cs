namespace Platform.Hosting.Dashboard.Otlp;

public sealed record ChartPoint(DateTimeOffset Time, double Value);

public sealed record ChartLine(string Label, IReadOnlyList<ChartPoint> Points);

public sealed record Chart(string Title, string Unit, IReadOnlyList<ChartLine> Lines);

/// <summary>One service route over the last <see cref="MetricCharts.SummaryWindow"/>: rate, share of server errors, latency percentiles.</summary>
public sealed record RouteSummary(string Service, string Route, double RequestsPerSecond, double ErrorPercent, double? P50Ms, double? P95Ms, double? P99Ms);

/// <summary>
/// Turns the raw metric series the services export into the dashboard's charts: request rate, error rate and latency
/// percentiles per service and route (from <c>http.server.request.duration</c>), and each instance's CPU, memory and GC
/// (from the runtime's <c>System.Runtime</c> meter). Cumulative series are resampled onto a common 5 s grid by linear
/// interpolation, so replicas and export jitter add up smoothly; a counter that restarts (a restarted process) is
/// stitched on instead of read as a drop.
/// </summary>
public static class MetricCharts
{
    public const string RequestDuration = "http.server.request.duration";
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan SummaryWindow = TimeSpan.FromMinutes(1);

    /// <summary>Every route with traffic, busiest first.</summary>
    public static IReadOnlyList<RouteSummary> Routes(IReadOnlyList<MetricSeries> series)
    {
        var requests = series.Where(s => s.Name == RequestDuration && s.Kind == "histogram").ToList();
        if (requests.Count == 0)
        {
            return [];
        }

        var end = requests.Max(s => s.Points[^1].Time);
        var first = requests.Min(s => s.Points[0].Time);
        var start = end - SummaryWindow < first ? first : end - SummaryWindow;
        return requests
            .GroupBy(s => (s.Service, Route: Route(s)))
            .Select(g =>
            {
                var window = Window([.. g.Select(Counts)], start, end);
                var seconds = Math.Max(window.Seconds, 1e-9);
                return new RouteSummary(g.Key.Service, g.Key.Route, window.All.Count / seconds, window.All.Count == 0 ? 0 : 100 * window.Errors / window.All.Count,
                    Percentile(window.All, 0.50), Percentile(window.All, 0.95), Percentile(window.All, 0.99));
            })
            .Where(r => r.RequestsPerSecond > 0)
            .OrderByDescending(r => r.RequestsPerSecond)
            .ToList();
    }

    /// <summary>Request rate, error rate and latency percentiles over time for a service (all of them if null) and a route (all if null).</summary>
    public static IReadOnlyList<Chart> Requests(IReadOnlyList<MetricSeries> series, string? service, string? route)
    {
        var matching = series.Where(s => s.Name == RequestDuration && s.Kind == "histogram" && (service is null || s.Service == service)
                                         && (route is null || Route(s) == route)).ToList();
        var grid = Grid(matching);
        var totals = matching.Select(Counts).ToList();
        var rate = new List<ChartPoint>();
        var errors = new List<ChartPoint>();
        var (p50, p95, p99) = (new List<ChartPoint>(), new List<ChartPoint>(), new List<ChartPoint>());
        for (var i = 1; i < grid.Count; i++)
        {
            var window = Window(totals, grid[i - 1], grid[i]);
            if (window.Seconds <= 0)
            {
                continue;
            }

            rate.Add(new ChartPoint(grid[i], window.All.Count / window.Seconds));
            errors.Add(new ChartPoint(grid[i], window.All.Count == 0 ? 0 : 100 * window.Errors / window.All.Count));
            AddIfKnown(p50, grid[i], Percentile(window.All, 0.50));
            AddIfKnown(p95, grid[i], Percentile(window.All, 0.95));
            AddIfKnown(p99, grid[i], Percentile(window.All, 0.99));
        }

        return
        [
            new Chart("Request rate", "req/s", [new ChartLine("requests", rate)]),
            new Chart("Error rate (5xx and failed requests)", "%", [new ChartLine("errors", errors)]),
            new Chart("Latency", "ms", [new ChartLine("p50", p50), new ChartLine("p95", p95), new ChartLine("p99", p99)]),
        ];
    }

    /// <summary>CPU, working set, GC heap and GC collections per instance, for a service (all if null).</summary>
    public static IReadOnlyList<Chart> Runtime(IReadOnlyList<MetricSeries> series, string? service)
    {
        var matching = series.Where(s => service is null || s.Service == service).ToList();
        return
        [
            new Chart("CPU", "cores", PerInstance(matching, "dotnet.process.cpu.time", Rate, 1)),
            new Chart("Working set", "MiB", PerInstance(matching, "dotnet.process.memory.working_set", Level, 1.0 / (1 << 20))),
            new Chart("GC heap after last collection", "MiB", PerInstance(matching, "dotnet.gc.last_collection.heap.size", Level, 1.0 / (1 << 20))),
            new Chart("GC collections", "per s", PerInstance(matching, "dotnet.gc.collections", Rate, 1)),
        ];
    }

    private static string Route(MetricSeries series) => series.Labels.GetValueOrDefault("http.route") ?? "(no route)";

    private static bool IsError(MetricSeries series)
        => series.Labels.ContainsKey("error.type")
           || (int.TryParse(series.Labels.GetValueOrDefault("http.response.status_code"), out var status) && status >= 500);

    private static void AddIfKnown(List<ChartPoint> line, DateTimeOffset time, double? value)
    {
        if (value is { } v)
        {
            line.Add(new ChartPoint(time, v));
        }
    }

    private sealed record Histogram(double Count, IReadOnlyList<double> Bounds, double[] Buckets);

    private sealed record WindowTotals(Histogram All, double Errors, double Seconds);

    /// <summary>What all the series counted between two instants (each series only over the part it covers).</summary>
    private static WindowTotals Window(List<RunningTotals> series, DateTimeOffset from, DateTimeOffset to)
    {
        var bounds = series.Select(s => s.Series.Points[^1].Bounds).FirstOrDefault(b => b.Count > 0) ?? [];
        var all = new Histogram(0, bounds, new double[bounds.Count + 1]);
        double errors = 0;
        foreach (var s in series)
        {
            var delta = Delta(s, from, to);
            if (delta is null)
            {
                continue;
            }

            all = all with { Count = all.Count + delta.Count };
            if (delta.Buckets.Length == all.Buckets.Length && delta.Bounds.SequenceEqual(bounds))
            {
                for (var b = 0; b < delta.Buckets.Length; b++)
                {
                    all.Buckets[b] += delta.Buckets[b];
                }
            }

            if (IsError(s.Series))
            {
                errors += delta.Count;
            }
        }

        return new WindowTotals(all, errors, (to - from).TotalSeconds);
    }

    /// <summary>A histogram series' increase between two instants, from its cumulative points (interpolated; restarts stitched).</summary>
    private static Histogram? Delta(RunningTotals series, DateTimeOffset from, DateTimeOffset to)
    {
        var points = series.Points;
        if (points.Count < 2)
        {
            return null;
        }

        // a series that began (or ended) inside the window counts over the part it covers
        (from, to) = (from < points[0].Time ? points[0].Time : from, to > points[^1].Time ? points[^1].Time : to);
        if (to <= from)
        {
            return null;
        }

        var a = At(points, from);
        var b = At(points, to);
        return new Histogram(b.Count - a.Count, series.Series.Points[^1].Bounds, [.. b.Buckets.Zip(a.Buckets, (x, y) => x - y)]);
    }

    private sealed record Cumulated(DateTimeOffset Time, double Count, double[] Buckets);

    /// <summary>A series as running totals, worked out once per query (every window of a chart reads them).</summary>
    private sealed record RunningTotals(MetricSeries Series, List<Cumulated> Points);

    private static RunningTotals Counts(MetricSeries series) => new(series, Stitched(series, p => p.Count));

    /// <summary>The series as running totals (<paramref name="total"/>: a histogram's count, a sum's value) with its buckets.</summary>
    private static List<Cumulated> Stitched(MetricSeries series, Func<MetricPoint, double> total)
    {
        var result = new List<Cumulated>(series.Points.Count);
        double offset = 0;
        double[] bucketOffset = [];
        MetricPoint? previous = null;
        foreach (var p in series.Points)
        {
            // Delta points are accumulated here; a cumulative total that drops means the process restarted, so the
            // new run carries on from where the old one stopped.
            if (previous is not null && (!series.Cumulative || total(p) < total(previous)))
            {
                offset += total(previous);
                bucketOffset = [.. previous.Buckets.Select((b, i) => b + (i < bucketOffset.Length ? bucketOffset[i] : 0))];
            }

            result.Add(new Cumulated(p.Time, total(p) + offset, [.. p.Buckets.Select((b, i) => b + (i < bucketOffset.Length ? bucketOffset[i] : 0))]));
            previous = p;
        }

        return result;
    }

    private static Cumulated At(List<Cumulated> points, DateTimeOffset time)
    {
        // the first point at or after the instant (points are in time order)
        int low = 0, high = points.Count - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = points[middle].Time < time ? (middle + 1, high) : (low, middle);
        }

        var i = low;
        if (points[i].Time == time || i == 0)
        {
            return points[i];
        }

        var (a, b) = (points[i - 1], points[i]);
        var f = (time - a.Time) / (b.Time - a.Time);
        return new Cumulated(time, a.Count + (b.Count - a.Count) * f,
            a.Buckets.Length == b.Buckets.Length ? [.. a.Buckets.Zip(b.Buckets, (x, y) => x + (y - x) * f)] : b.Buckets);
    }

    /// <summary>The q-quantile in milliseconds, interpolated inside its bucket (the last, open bucket reports its lower bound).</summary>
    private static double? Percentile(Histogram histogram, double q)
    {
        var total = histogram.Buckets.Sum();
        if (total < 0.5 || histogram.Bounds.Count == 0)
        {
            return null;
        }

        var target = q * total;
        double seen = 0;
        for (var i = 0; i < histogram.Buckets.Length; i++)
        {
            if (seen + histogram.Buckets[i] >= target && histogram.Buckets[i] > 0)
            {
                var lower = i == 0 ? 0 : histogram.Bounds[i - 1];
                if (i >= histogram.Bounds.Count)
                {
                    return lower * 1000;
                }

                var upper = histogram.Bounds[i];
                return (lower + (upper - lower) * ((target - seen) / histogram.Buckets[i])) * 1000;
            }

            seen += histogram.Buckets[i];
        }

        return histogram.Bounds[^1] * 1000;
    }

    /// <summary>Grid instants every <see cref="Step"/>, aligned, over the time the series cover.</summary>
    private static List<DateTimeOffset> Grid(IEnumerable<MetricSeries> series)
    {
        var covered = series.Where(s => s.Points.Count >= 2).ToList();
        if (covered.Count == 0)
        {
            return [];
        }

        var first = covered.Min(s => s.Points[0].Time);
        var last = covered.Max(s => s.Points[^1].Time);
        var tick = new DateTimeOffset((first.Ticks + Step.Ticks - 1) / Step.Ticks * Step.Ticks, TimeSpan.Zero); // the first step boundary at or after it
        var grid = new List<DateTimeOffset>();
        for (; tick <= last; tick += Step)
        {
            grid.Add(tick);
        }

        return grid;
    }

    private delegate IReadOnlyList<ChartPoint> Reading(List<MetricSeries> series, double scale);

    /// <summary>One line per instance: the metric's series of that instance (all attribute sets) summed, then read as a rate or a level.</summary>
    private static List<ChartLine> PerInstance(List<MetricSeries> series, string metric, Reading reading, double scale)
        => series.Where(s => s.Name == metric)
            .GroupBy(s => s.Instance)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ChartLine(g.Key, reading(g.ToList(), scale)))
            .ToList();

    /// <summary>How fast a cumulative sum grows, per second.</summary>
    private static IReadOnlyList<ChartPoint> Rate(List<MetricSeries> series, double scale)
    {
        var grid = Grid(series);
        var totals = series.Select(s => new RunningTotals(s, Stitched(s, p => p.Value))).ToList();
        var points = new List<ChartPoint>();
        for (var i = 1; i < grid.Count; i++)
        {
            var total = totals.Select(s => Increase(s.Points, grid[i - 1], grid[i])).Where(d => d is not null).Sum(d => d!.Value);
            points.Add(new ChartPoint(grid[i], total / Step.TotalSeconds * scale));
        }

        return points;
    }

    /// <summary>A gauge's (or up-down counter's) value, summed over attribute sets, at each export.</summary>
    private static IReadOnlyList<ChartPoint> Level(List<MetricSeries> series, double scale)
        => series.SelectMany(s => s.Points)
            .GroupBy(p => new DateTimeOffset(p.Time.Ticks - p.Time.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero))
            .OrderBy(g => g.Key)
            .Select(g => new ChartPoint(g.Key, g.Sum(p => p.Value) * scale))
            .ToList();

    private static double? Increase(List<Cumulated> points, DateTimeOffset from, DateTimeOffset to)
        => points.Count < 2 || from < points[0].Time || to > points[^1].Time ? null : At(points, to).Count - At(points, from).Count;
}
