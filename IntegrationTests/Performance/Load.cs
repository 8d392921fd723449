using System.Diagnostics;
using System.Net;

namespace Platform.IntegrationTests.Performance;

/// <summary>What a load run did: every call's status and latency, and the rate it reached.</summary>
public sealed record LoadResult(int Calls, double Seconds, double P50Ms, double P95Ms, double P99Ms, IReadOnlyDictionary<HttpStatusCode, int> Statuses)
{
    public double PerSecond => Calls / Seconds;

    public int Count(HttpStatusCode status) => Statuses.GetValueOrDefault(status);

    public override string ToString()
        => $"{Calls} calls in {Seconds:0.00} s = {PerSecond:0} /s, p50 {P50Ms:0.0} ms, p95 {P95Ms:0.0} ms, p99 {P99Ms:0.0} ms ({string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key} ×{s.Value}"))})";
}

/// <summary>
/// Runs calls from concurrent clients and records each call's outcome and latency. Performance tests assert outcomes
/// (nothing failed, nothing lost) and print the figures; they never assert a time.
/// </summary>
public static class Load
{
    /// <param name="call">(client, call number) to the status it got.</param>
    public static async Task<LoadResult> RunAsync(int clients, int callsPerClient, Func<int, int, Task<HttpStatusCode>> call)
    {
        var latencies = new double[clients * callsPerClient];
        var statuses = new HttpStatusCode[clients * callsPerClient];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < callsPerClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                statuses[client * callsPerClient + i] = await call(client, i);
                latencies[client * callsPerClient + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double At(double q) => latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * q))];
        return new LoadResult(latencies.Length, seconds, At(0.50), At(0.95), At(0.99), statuses.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()));
    }
}
