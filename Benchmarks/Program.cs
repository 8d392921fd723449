using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Platform.Hosting.Testing;

// Walking-skeleton figures: graph boot and dispose, idle memory per service, and register+login through
// the gateway against its baselines measured in the same run (a proxied GET of the JWKS, and
// the two PBKDF2 computations that register+login cannot avoid).
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var clock = Stopwatch.StartNew();
var builder = await DistributedApplicationTestingBuilder.CreateAsync(typeof(Projects.Gateway).Assembly, []); // the AppHost assembly
var app = await builder.BuildAsync();
await app.StartAsync();
var boot = clock.Elapsed;
using var gateway = app.CreateHttpClient("gateway");

Console.WriteLine($"graph boot (11 resources, test host): {boot.TotalSeconds:0.00} s");
await Task.Delay(TimeSpan.FromSeconds(3)); // idle means: nothing asked of the services for a moment
Console.WriteLine("idle RSS per process:");
foreach (var instance in app.Instances.Where(i => i.Pid is not null))
{
    Console.WriteLine($"  {instance.Name,-12} {RssMegabytes(instance.Pid!.Value),7:0.0} MiB");
}

var alive = await MeasureAsync(runs, async _ =>
{
    using var response = await gateway.GetAsync("/.well-known/jwks.json");
    response.EnsureSuccessStatusCode();
});
var hasher = new PasswordHasher<object>();
var hash = hasher.HashPassword(new object(), "correct horse battery staple");
var pbkdf2 = await MeasureAsync(runs, _ =>
{
    hasher.HashPassword(new object(), "correct horse battery staple");
    hasher.VerifyHashedPassword(new object(), hash, "correct horse battery staple");
    return Task.CompletedTask;
});
var signup = await MeasureAsync(runs, async i =>
{
    var email = $"bench-{i}-{Guid.NewGuid():N}@example.com";
    using var register = await gateway.PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse battery staple", displayName = "Bench" });
    register.EnsureSuccessStatusCode();
    using var login = await gateway.PostAsJsonAsync("/api/auth/login", new { email, password = "correct horse battery staple" });
    login.EnsureSuccessStatusCode();
});

Console.WriteLine();
Console.WriteLine($"{"operation (" + runs + " sequential runs)",-44} {"p50 ms",8} {"p99 ms",8} {"p50 / baseline",15}");
Console.WriteLine($"{"GET jwks through the gateway (proxied)",-44} {alive.P50,8:0.00} {alive.P99,8:0.00} {"",15}");
Console.WriteLine($"{"PBKDF2 hash + verify in process (baseline)",-44} {pbkdf2.P50,8:0.00} {pbkdf2.P99,8:0.00} {"1.00",15}");
Console.WriteLine($"{"register + login through the gateway",-44} {signup.P50,8:0.00} {signup.P99,8:0.00} {signup.P50 / pbkdf2.P50,15:0.00}");

clock.Restart();
await app.DisposeAsync();
Console.WriteLine();
Console.WriteLine($"graph dispose: {clock.Elapsed.TotalSeconds:0.00} s");

static async Task<(double P50, double P99)> MeasureAsync(int runs, Func<int, Task> operation)
{
    await operation(-1); // warm-up
    var samples = new double[runs];
    for (var i = 0; i < runs; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await operation(i);
        samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    Array.Sort(samples);
    return (samples[(int)(runs * 0.50)], samples[Math.Min(runs - 1, (int)(runs * 0.99))]);
}

static double RssMegabytes(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}
