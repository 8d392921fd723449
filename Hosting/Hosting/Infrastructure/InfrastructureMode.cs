using System.ComponentModel;
using System.Diagnostics;
using Aspire.Hosting;

namespace Platform.Hosting.Infrastructure;

/// <summary>How the graph runs Postgres, Redis, RabbitMQ and Kafka: as Aspire's containers, or as the same servers in local processes.</summary>
public enum InfrastructureMode
{
    Containers,
    Processes,
}

public static class InfrastructureModeExtensions
{
    /// <summary><c>--Infrastructure=containers|processes</c> overrides the detection.</summary>
    public const string ConfigurationKey = "Infrastructure";

    /// <summary>
    /// Containers when publishing (the manifest describes what a cloud runs) or when a container runtime answers;
    /// local processes otherwise. Decided once per graph, in this one place.
    /// </summary>
    public static InfrastructureMode GetInfrastructureMode(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return InfrastructureMode.Containers;
        }

        if (Enum.TryParse<InfrastructureMode>(builder.Configuration[ConfigurationKey], ignoreCase: true, out var configured))
        {
            return configured;
        }

        var detected = ContainerRuntimeAnswers(builder.Configuration["DcpPublisher:ContainerRuntime"] ?? Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker")
            ? InfrastructureMode.Containers
            : InfrastructureMode.Processes;
        builder.Configuration[ConfigurationKey] = detected.ToString();
        return detected;
    }

    /// <summary>The probe Aspire itself uses: the runtime lists containers (a client without an engine fails at once).</summary>
    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(runtime, "container ls -n 1") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (probe is null)
            {
                return false;
            }

            if (!probe.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                probe.Kill(entireProcessTree: true);
                return false;
            }

            return probe.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // not installed
        }
    }
}
