using System.Reflection;

namespace Platform.Hosting.Testing;

/// <summary>
/// Boots an AppHost's own graph for tests: runs its Program up to <c>Build()</c> (nothing starts there),
/// with free ports instead of fixed ones and an isolated run directory, and hands back the builder so a
/// test can adjust the graph before building it.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    public static Task<IDistributedApplicationBuilder> CreateAsync<TEntryPoint>(params string[] args) where TEntryPoint : class
        => CreateAsync(typeof(TEntryPoint).Assembly, args);

    public static async Task<IDistributedApplicationBuilder> CreateAsync(Assembly appHost, string[] args)
    {
        var entryPoint = appHost.EntryPoint ?? throw new ArgumentException($"{appHost.GetName().Name} has no entry point.", nameof(appHost));
        return await Task.Run(() =>
        {
            var capture = DistributedApplicationTestHook.Begin(ForTests);
            try
            {
                var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [args]);
                if (result is Task task)
                {
                    task.GetAwaiter().GetResult();
                }
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
            finally
            {
                DistributedApplicationTestHook.End();
            }

            return capture.Builder ?? throw new InvalidOperationException($"{appHost.GetName().Name} did not build a distributed application.");
        });
    }

    /// <summary>A builder for a graph written in the test itself (hosting tests).</summary>
    public static IDistributedApplicationBuilder Create(params string[] args)
    {
        var options = new DistributedApplicationOptions();
        ForTests(options);
        return new DistributedApplicationBuilder(args, options);
    }

    public static Task<DistributedApplication> BuildAsync(this IDistributedApplicationBuilder builder) => Task.FromResult(builder.Build());

    private static void ForTests(DistributedApplicationOptions options)
    {
        options.RandomizePorts = true;
        options.Dashboard = false; // a test that drives the dashboard passes --Dashboard=true
        options.StopTimeout = TimeSpan.FromSeconds(3);
        options.HostLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning;
    }
}
