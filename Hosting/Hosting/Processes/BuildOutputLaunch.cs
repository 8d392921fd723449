using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Processes;

public static class BuildOutputLaunch
{
    /// <summary>
    /// Runs every project from its build output (<c>bin/&lt;configuration&gt;/net10.0/&lt;assembly&gt;</c>, built with the
    /// AppHost) instead of through <c>dotnet run</c>, which evaluates the project again for each replica: the graph boots
    /// seconds sooner on two cores, each service is one process (its pid is the one DCP reports, so kill and memory figures
    /// are about the service), and a stop signal reaches it directly. Run mode only; the manifest still has the projects.
    /// </summary>
    public static IDistributedApplicationBuilder LaunchProjectsFromBuildOutput(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        var configuration = typeof(BuildOutputLaunch).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var projectPath = project.GetProjectMetadata().ProjectPath;
            var directory = Path.GetDirectoryName(projectPath)!;
            var output = Path.Combine(directory, "bin", configuration, "net10.0", $"Platform.{Path.GetFileNameWithoutExtension(projectPath)}");
            if (File.Exists(output))
            {
                project.Annotations.Add(new ExecutableAnnotation { Command = output, WorkingDirectory = directory });
            }
        }

        return builder;
    }
}
