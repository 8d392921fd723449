using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.Hosting;
using Platform.Hosting.Processes;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace Platform.Benchmarks;

/// <summary>
/// Walking-skeleton figures: idle memory per process, and register+login through the gateway against its baselines
/// measured in the same run (a proxied GET of the JWKS, and the two PBKDF2 computations register+login cannot avoid).
/// </summary>
internal static class SkeletonBenchmarks
{
    public static async Task RunAsync(DistributedApplication app, int runs)
    {
        using var gateway = app.CreateHttpClient("gateway");
        await Task.Delay(TimeSpan.FromSeconds(3)); // idle means: nothing asked of the services for a moment
        Console.WriteLine("idle RSS per replica (its largest process: the server or service, not the launcher DCP runs it under):");
        var control = app.Control();
        foreach (var resource in StartupResources.Of(app.Services.GetRequiredService<DistributedApplicationModel>()).Where(r => r is ExecutableResource or ProjectResource))
        {
            foreach (var replica in await control.ReplicasAsync(resource.Name))
            {
                if (ProcessCommands.ProcessId(await control.SnapshotAsync(replica)) is { } pid)
                {
                    Console.WriteLine($"  {replica,-24} {Measure.LargestRssMegabytes(pid),7:0.0} MiB");
                }
            }
        }

        var alive = await Measure.LatencyAsync(runs, async _ =>
        {
            using var response = await gateway.GetAsync("/.well-known/jwks.json");
            response.EnsureSuccessStatusCode();
        });
        var hasher = new PasswordHasher<object>();
        var hash = hasher.HashPassword(new object(), "correct horse battery staple");
        var pbkdf2 = await Measure.LatencyAsync(runs, _ =>
        {
            hasher.HashPassword(new object(), "correct horse battery staple");
            hasher.VerifyHashedPassword(new object(), hash, "correct horse battery staple");
            return Task.CompletedTask;
        });
        await using var authdb = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("authdb"))!);
        var signup = await Measure.LatencyAsync(runs, i => Registrations.SignUpAsync(gateway, authdb, $"bench-{i}-{Guid.NewGuid():N}@example.com"));

        Console.WriteLine();
        Console.WriteLine($"{"operation (" + runs + " sequential runs)",-44} {"p50 ms",8} {"p99 ms",8} {"p50 / baseline",15}");
        Console.WriteLine($"{"GET jwks through the gateway (proxied)",-44} {alive.P50,8:0.00} {alive.P99,8:0.00} {"",15}");
        Console.WriteLine($"{"PBKDF2 hash + verify in process (baseline)",-44} {pbkdf2.P50,8:0.00} {pbkdf2.P99,8:0.00} {"1.00",15}");
        Console.WriteLine($"{"register (saga completed) + login",-44} {signup.P50,8:0.00} {signup.P99,8:0.00} {signup.P50 / pbkdf2.P50,15:0.00}");
    }
}
