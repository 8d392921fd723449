using System.Reflection;
using Aspire.Hosting;
using Platform.Hosting;

namespace Platform.IntegrationTests.Hosting;

/// <summary>
/// A builder for a graph written in a test, run by the same DCP as the AppHost's. Aspire.Hosting.Testing's own
/// <c>Create()</c> looks for an AppHost assembly on the call stack, so this builder takes DCP's location from the
/// AppHost's assembly metadata instead; ports are random and the dashboard is off, as under the testing builder.
/// </summary>
internal static class SmallGraph
{
    public static IDistributedApplicationBuilder CreateBuilder()
    {
        var metadata = Assembly.Load("Platform.AppHost").GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(m => m.Key, m => m.Value, StringComparer.OrdinalIgnoreCase);
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            DisableDashboard = true,
            Args =
            [
                $"--DcpPublisher:CliPath={metadata["dcpclipath"]}",
                $"--DcpPublisher:DashboardPath={metadata["aspiredashboardpath"]}",
                "--DcpPublisher:RandomizePorts=true",
                "--DcpPublisher:WaitForResourceCleanup=true",
            ],
        });
        builder.CheckHealthPromptly(); // as the AppHost does
        return builder;
    }
}
