using Platform.Hosting.Dashboard.Otlp;

namespace Platform.Hosting.Tests;

/// <summary>The arithmetic behind the dashboard's request and runtime charts, on hand-made series.</summary>
public sealed class MetricChartsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly double[] Bounds = [0.01, 0.1, 1];

    [Fact]
    public void Replicas_exporting_at_different_instants_add_up_to_the_route_rate()
    {
        // two replicas, 10 req/s each, exporting every 5 s but 2 s apart
        var series = new[]
        {
            Requests("users-0", "/api/users/me", 200, offsetSeconds: 0, perSecond: 10),
            Requests("users-1", "/api/users/me", 200, offsetSeconds: 2, perSecond: 10),
        };

        var rate = MetricCharts.Requests(series, "users", null)[0].Lines[0].Points;

        // (the first step counts users-1 only from its first export on)
        Assert.Equal(7, rate.Count);
        Assert.All(rate.Skip(1), p => Assert.Equal(20, p.Value, 6));
    }

    [Fact]
    public void A_restarted_process_does_not_read_as_a_negative_rate()
    {
        // cumulative counts 0, 50, 100, then the process restarts: 25, 75
        var points = new long[] { 0, 50, 100, 25, 75 }.Select((count, i) => Point(T0.AddSeconds(5 * i), count, [0, (ulong)count, 0, 0])).ToList();
        var series = new[] { Series("auth", "auth", "/api/auth/login", 200, points) };

        var rate = MetricCharts.Requests(series, null, null)[0].Lines[0].Points;

        Assert.Equal([10, 10, 5, 10], rate.Select(p => p.Value));
    }

    [Fact]
    public void Errors_are_the_share_of_5xx_and_latency_percentiles_come_from_the_buckets()
    {
        var series = new[]
        {
            Requests("auth", "/api/auth/login", 200, offsetSeconds: 0, perSecond: 9),
            Requests("auth", "/api/auth/login", 503, offsetSeconds: 0, perSecond: 1),
        };

        var route = Assert.Single(MetricCharts.Routes(series));

        Assert.Equal(("auth", "/api/auth/login"), (route.Service, route.Route));
        Assert.Equal(10, route.RequestsPerSecond, 6);
        Assert.Equal(10, route.ErrorPercent, 6);
        // every request fell between 10 and 100 ms: the median is halfway through that bucket
        Assert.Equal(55, route.P50Ms!.Value, 6);
        Assert.InRange(route.P99Ms!.Value, 55, 100);
    }

    [Fact]
    public void Runtime_cpu_is_the_growth_of_cpu_time_per_second_per_instance()
    {
        var cpu = Enumerable.Range(0, 5).Select(i => new MetricPoint(T0.AddSeconds(5 * i), 0.5 * 5 * i, 0, 0, [], [])).ToList();
        var series = new[]
        {
            new MetricSeries("auth", "auth", "dotnet.process.cpu.time", "s", "sum", true, new Dictionary<string, string> { ["cpu.mode"] = "user" }, cpu),
        };

        var chart = MetricCharts.Runtime(series, "auth").Single(c => c.Title == "CPU");

        var line = Assert.Single(chart.Lines);
        Assert.Equal("auth", line.Label);
        Assert.All(line.Points, p => Assert.Equal(0.5, p.Value, 6));
    }

    private static MetricSeries Requests(string instance, string route, int status, int offsetSeconds, int perSecond)
        => Series(instance.Split('-')[0], instance, route, status,
            [.. Enumerable.Range(0, 8).Select(i => Point(T0.AddSeconds(offsetSeconds + 5 * i), perSecond * 5L * i, [0, (ulong)(perSecond * 5L * i), 0, 0]))]);

    private static MetricPoint Point(DateTimeOffset time, long count, ulong[] buckets) => new(time, 0, count, 0, Bounds, buckets);

    private static MetricSeries Series(string service, string instance, string route, int status, IReadOnlyList<MetricPoint> points)
        => new(service, instance, MetricCharts.RequestDuration, "s", "histogram", true,
            new Dictionary<string, string> { ["http.route"] = route, ["http.response.status_code"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture) }, points);
}
