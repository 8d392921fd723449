using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Platform.Hosting.Processes;

namespace Platform.Benchmarks;

/// <summary>
/// The gateway's cost: the same GET (auth's JWKS, a static document) straight to the service and through the gateway,
/// in a closed loop of 32 connections (throughput), then paced at half the direct rate (added latency). The graph is
/// booted with the rate limit raised, so the figures are about proxying, not about 429s. Both paths include DCP's proxy
/// in front of the service; the gateway adds YARP, JWT-less routing, rate limiting and DCP's proxy in front of itself.
/// </summary>
internal static class GatewayBenchmarks
{
    private const int Connections = 32;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(DistributedApplication app)
    {
        var replica = await app.Control().ReplicaUrlAsync("auth-0");
        var direct = new Uri(replica, "/.well-known/jwks.json");
        var gateway = new Uri(app.GetEndpoint("gateway", "http"), "/.well-known/jwks.json");
        var gatewayProcess = new Uri(await app.Control().ReplicaUrlAsync("gateway-0"), "/.well-known/jwks.json"); // without DCP's proxy in front
        using var nginx = await ReferenceProxy.StartAsync(replica);
        Console.WriteLine();
        Console.WriteLine($"GET /.well-known/jwks.json, closed loop, {Connections} connections, {Duration.TotalSeconds:0} s each after {WarmUp.TotalSeconds:0} s of warm-up on every path");
        var viaNginx = nginx is null ? null : new Uri(nginx.Url, "/.well-known/jwks.json");
        Uri[] paths = viaNginx is null ? [direct, gateway, gatewayProcess] : [direct, gateway, gatewayProcess, viaNginx];
        foreach (var path in paths)
        {
            await ClosedLoopAsync(path, WarmUp); // JIT, connection pools and YARP's first routes, for every path alike
        }

        var straight = await ClosedLoopAsync(direct, Duration);
        var proxied = await ClosedLoopAsync(gateway, Duration);
        var proxiedProcess = await ClosedLoopAsync(gatewayProcess, Duration);
        var reference = viaNginx is null ? default : await ClosedLoopAsync(viaNginx, Duration);
        Console.WriteLine($"{"path",-36} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"vs direct",10}");
        Console.WriteLine($"{"straight to auth (baseline)",-36} {straight.Rate,10:0} {straight.P50,8:0.00} {straight.P99,8:0.00} {"1.00",10}");
        Console.WriteLine($"{"through the gateway",-36} {proxied.Rate,10:0} {proxied.P50,8:0.00} {proxied.P99,8:0.00} {proxied.Rate / straight.Rate,10:0.00}");
        Console.WriteLine($"{"  its process, not DCP's proxy",-36} {proxiedProcess.Rate,10:0} {proxiedProcess.P50,8:0.00} {proxiedProcess.P99,8:0.00} {proxiedProcess.Rate / straight.Rate,10:0.00}");
        Console.WriteLine(viaNginx is null
            ? "through nginx (reference): not installed (apt-get install nginx-light, or ./platform setup bench)"
            : $"{"through nginx (reference proxy)",-36} {reference.Rate,10:0} {reference.P50,8:0.00} {reference.P99,8:0.00} {reference.Rate / straight.Rate,10:0.00}");

        var half = straight.Rate / 2;
        var pacedDirect = await PacedAsync(direct, half);
        var pacedGateway = await PacedAsync(gateway, half);
        Console.WriteLine($"paced at {half:0} req/s (half the direct rate): p50/p99 straight {pacedDirect.P50:0.00}/{pacedDirect.P99:0.00} ms, through the gateway {pacedGateway.P50:0.00}/{pacedGateway.P99:0.00} ms, added p99 {pacedGateway.P99 - pacedDirect.P99:0.00} ms");
        if (viaNginx is not null)
        {
            var pacedNginx = await PacedAsync(viaNginx, half);
            Console.WriteLine($"  through nginx {pacedNginx.P50:0.00}/{pacedNginx.P99:0.00} ms, added p99 {pacedNginx.P99 - pacedDirect.P99:0.00} ms");
        }
    }

    private static HttpClient Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    private static async Task<(double Rate, double P50, double P99)> ClosedLoopAsync(Uri url, TimeSpan duration)
    {
        using var client = Client();
        using (await client.GetAsync(url))
        {
        }

        var samples = new List<double>[Connections];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async worker =>
        {
            var mine = samples[worker] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(url);
                response.EnsureSuccessStatusCode();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var all = samples.SelectMany(s => s).ToList();
        var (p50, p99) = Measure.Percentiles(all);
        return (all.Count / clock.Elapsed.TotalSeconds, p50, p99);
    }

    /// <summary>Requests started at a fixed rate (open loop), each timed from its start.</summary>
    private static async Task<(double P50, double P99)> PacedAsync(Uri url, double perSecond)
    {
        using var client = Client();
        var total = (int)(perSecond * Duration.TotalSeconds);
        var samples = new double[total];
        var clock = Stopwatch.StartNew();
        var requests = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed); // pacing the load, not synchronising with it
            }

            var index = i;
            requests.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(url);
                response.EnsureSuccessStatusCode();
                samples[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }));
        }

        await Task.WhenAll(requests);
        return Measure.Percentiles(samples);
    }
}
