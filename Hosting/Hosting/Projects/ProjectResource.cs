using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting;

/// <summary>Where a .NET project is and what it builds to. The AppHost build generates one class per referenced project (Projects.Auth, ...).</summary>
public interface IProjectMetadata
{
    string ProjectPath { get; }

    string TargetPath { get; }
}

public sealed class ProjectResource(string name, IProjectMetadata project) : Resource(name)
{
    public IProjectMetadata Project { get; } = project;
}

public sealed class ExecutableResource(string name, string command, string workingDirectory, IReadOnlyList<string> arguments) : Resource(name)
{
    public string Command { get; } = command;

    public string WorkingDirectory { get; } = workingDirectory;

    public IReadOnlyList<string> Arguments { get; } = arguments;
}

public static class ProjectBuilderExtensions
{
    /// <summary>A service run from its built output, on a free port unless <c>WithHttpEndpoint(port)</c> fixes one.</summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var project = new ProjectResource(name, new TProject());
        project.Annotations.Add(new EndpointAnnotation("http", "http"));
        return builder.AddResource(project);
    }

    public static IResourceBuilder<ExecutableResource> AddExecutable(this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] arguments)
        => builder.AddResource(new ExecutableResource(name, command, workingDirectory, arguments));
}
