using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Platform.Hosting.Processes;

namespace Platform.Benchmarks;

/// <summary>
/// The gateway's cost: the same GET (auth's JWKS, a static document) straight to the service and through the gateway,
/// driven by wrk with 32 connections: a closed loop (throughput), then paced at half the direct rate (added latency).
/// The graph is booted with the rate limit raised, so the figures are about proxying, not about 429s. Two references
/// in front of the same replica split the gateway's cost: YARP with nothing else (the proxy's own cost here) and nginx.
/// </summary>
internal static class GatewayBenchmarks
{
    private const int Connections = 32;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private const string Document = "/.well-known/jwks.json";

    public static async Task RunAsync(DistributedApplication app)
    {
        var replica = await app.Control().ReplicaUrlAsync("auth-0");
        using var nginx = await ReferenceProxy.StartAsync(replica);
        await using var yarp = await BareYarp.StartAsync(replica);
        List<(string Name, Uri Url)> paths =
        [
            ("straight to auth (baseline)", new Uri(replica, Document)),
            ("through the gateway", new Uri(app.GetEndpoint("gateway", "http"), Document)),
            ("YARP alone (reference)", new Uri(yarp.Url, Document)),
        ];
        if (nginx is not null)
        {
            paths.Add(("nginx (reference proxy)", new Uri(nginx.Url, Document)));
        }

        Console.WriteLine();
        Console.WriteLine($"GET {Document}, wrk, {Connections} connections, {Duration.TotalSeconds:0} s per path after {WarmUp.TotalSeconds:0} s of warm-up on each");
        foreach (var (_, url) in paths)
        {
            await Wrk.ClosedLoopAsync(url, Connections, WarmUp); // JIT, connection pools and YARP's first routes, for every path alike
        }

        Console.WriteLine($"{"closed loop",-36} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"vs direct",10}");
        var direct = 0.0;
        foreach (var (name, url) in paths)
        {
            var (rate, p50, p99) = await Wrk.ClosedLoopAsync(url, Connections, Duration);
            direct = direct == 0 ? rate : direct;
            Console.WriteLine($"{name,-36} {rate,10:0} {p50,8:0.00} {p99,8:0.00} {rate / direct,10:0.00}");
        }

        if (nginx is null)
        {
            Console.WriteLine("nginx (reference): not installed (apt-get install nginx-light, or ./platform setup bench)");
        }

        var pause = Wrk.PauseMilliseconds(Connections, direct / 2);
        Console.WriteLine($"paced for half the direct rate ({direct / 2:0} req/s): each connection pauses {pause} ms after an answer, offering at most {Connections * 1000.0 / pause:0} req/s");
        Console.WriteLine($"{"paced",-36} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"added p99",10}");
        var directP99 = 0.0;
        foreach (var (name, url) in paths)
        {
            var (rate, p50, p99) = await Wrk.PacedAsync(url, Connections, direct / 2, Duration);
            directP99 = directP99 == 0 ? p99 : directP99;
            Console.WriteLine($"{name,-36} {rate,10:0} {p50,8:0.00} {p99,8:0.00} {p99 - directP99,10:0.00}");
        }
    }
}
