using System.Diagnostics;
using System.Globalization;
using Platform.Benchmarks;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Hosting;
using Platform.Hosting.Processes;

// ./platform bench [suite] [runs]: boots the AppHost's graph once and runs the suites (all, skeleton, eventstore,
// messaging, saga, gateway, commerce, storage, query; boot runs none; storage and query only when asked: they move 12 GB and load TPC-H scale 1), each printing its figures next to a baseline measured in the same run.
var suite = args.FirstOrDefault(a => !int.TryParse(a, out _)) ?? "all";
var runs = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0, 100);
var clock = Stopwatch.StartNew();
// The AppHost assembly; the saga suite injects step failures, which only a graph that allows it acts out.
// The rate limit is raised for the gateway suite: its figures are about proxying, not about 429s.
// Each suite boots the system it measures (commerce its own; storage with the platform, to sign a user up; the others the workspace platform), so idle services of
// other systems do not share the two cores with it; "all" and "boot" boot every system.
var systems = suite switch { "commerce" => "commerce", "storage" => "platform,storage", "query" => "platform,query", "all" or "boot" => "platform,commerce,storage", _ => "platform" };
var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
    [$"--Systems={systems}", "--Sagas:AllowFaultInjection=true", "--RateLimiting:Burst=1000000", "--RateLimiting:TokensPerSecond=1000000"]);
// The figures are the output: resource logs and the health checks that fail while the graph boots stay out of it.
builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
    .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
    .AddFilter("Platform.AppHost.Resources", LogLevel.None)); // the resources' console (a failed boot still prints its last lines)
var app = await builder.BuildAsync();
// Where boot time goes: when each resource became healthy, from the start of the run.
var healthyAt = StartupResources.Of(app.Services.GetRequiredService<DistributedApplicationModel>())
    .Select(async r =>
    {
        await app.ResourceNotifications.WaitForResourceHealthyAsync(r.Name);
        return (r.Name, At: clock.Elapsed);
    }).ToList();
var (busyBefore, totalBefore) = Measure.MachineCpu();
await app.StartAsync();
await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(4));
var (busyAfter, totalAfter) = Measure.MachineCpu();
Console.WriteLine($"graph boot to every resource healthy (Aspire.Hosting.Testing, --Systems={systems}): {clock.Elapsed.TotalSeconds:0.00} s");
Console.WriteLine($"  machine CPU busy during the boot: {(busyAfter - busyBefore) / (totalAfter - totalBefore):P0} of {Environment.ProcessorCount} cores");
Console.WriteLine("  healthy at: " + string.Join(", ", (await Task.WhenAll(healthyAt)).OrderBy(h => h.At).Select(h => $"{h.Name} {h.At.TotalSeconds:0.0} s")));

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

    if (suite is "all" or "commerce")
    {
        await CommerceBenchmarks.RunAsync(app);
    }

    if (suite is "storage")
    {
        await StorageBenchmarks.RunAsync(app, runs);
    }

    if (suite is "query")
    {
        await QueryBenchmarks.RunAsync(app, double.Parse(Environment.GetEnvironmentVariable("TPCH_SCALE") ?? "1", CultureInfo.InvariantCulture));
    }
}
finally
{
    // Where dispose time goes: when each process the graph started (DCP, servers, services) was gone.
    var processes = ProcessTree.OfApplication(Environment.ProcessId).Where(pid => pid != Environment.ProcessId).Select(pid => (Pid: pid, Name: NameOf(pid))).ToList();
    clock.Restart();
    using var stopWatching = new CancellationTokenSource();
    var goneAt = Task.Run(async () =>
    {
        var gone = new Dictionary<int, TimeSpan>();
        while (!stopWatching.IsCancellationRequested && gone.Count < processes.Count)
        {
            foreach (var p in processes.Where(p => !gone.ContainsKey(p.Pid) && !ProcessTree.IsRunning(p.Pid)))
            {
                gone[p.Pid] = clock.Elapsed;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return gone;
    });
    await app.DisposeAsync();
    var disposed = clock.Elapsed;
    await stopWatching.CancelAsync();
    var gone = await goneAt;
    Console.WriteLine();
    Console.WriteLine($"graph dispose: {disposed.TotalSeconds:0.00} s");
    Console.WriteLine("  gone at: " + string.Join(", ", processes.GroupBy(p => p.Name)
        .Select(g => (g.Key, Last: g.Max(p => gone.TryGetValue(p.Pid, out var at) ? at : disposed)))
        .OrderBy(g => g.Last).Select(g => $"{g.Key} {g.Last.TotalSeconds:0.0} s")));
}

static string NameOf(int pid)
{
    try
    {
        return File.ReadAllText($"/proc/{pid}/comm").Trim();
    }
    catch (IOException)
    {
        return "?";
    }
}
