using System.Diagnostics;
using System.Globalization;
using Platform.Benchmarks;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Platform.Hosting;

// ./platform bench [suite] [runs]: boots the AppHost's graph once and runs the suites (all, skeleton, eventstore,
// messaging, saga, gateway), each printing its figures next to a baseline measured in the same run.
var suite = args.FirstOrDefault(a => !int.TryParse(a, out _)) ?? "all";
var runs = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0, 100);
var clock = Stopwatch.StartNew();
// The AppHost assembly; the saga suite injects step failures, which only a graph that allows it acts out.
// The rate limit is raised for the gateway suite: its figures are about proxying, not about 429s.
var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Sagas:AllowFaultInjection=true", "--RateLimiting:Burst=1000000", "--RateLimiting:TokensPerSecond=1000000"]);
var app = await builder.BuildAsync();
await app.StartAsync();
await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(2));
Console.WriteLine($"graph boot to every resource healthy (Aspire.Hosting.Testing): {clock.Elapsed.TotalSeconds:0.00} s");

try
{
    if (suite is "all" or "skeleton")
    {
        await SkeletonBenchmarks.RunAsync(app, runs);
    }

    if (suite is "all" or "eventstore")
    {
        await EventStoreBenchmarks.RunAsync(app);
    }

    if (suite is "all" or "messaging")
    {
        await MessagingBenchmarks.RunAsync(app, runs);
    }

    if (suite is "all" or "saga")
    {
        await SagaBenchmarks.RunAsync(app, runs);
    }

    if (suite is "all" or "gateway")
    {
        await GatewayBenchmarks.RunAsync(app);
    }
}
finally
{
    clock.Restart();
    await app.DisposeAsync();
}

Console.WriteLine();
Console.WriteLine($"graph dispose: {clock.Elapsed.TotalSeconds:0.00} s");
