using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting;

/// <summary>
/// Runs a project's built output with <c>dotnet</c> and Aspire's conventions: ASPNETCORE_URLS on its
/// allocated port, OTEL_* for telemetry; references add ConnectionStrings__* and services__*.
/// </summary>
internal sealed class ProjectLauncher(DistributedApplicationOptions options) : IResourceLauncher
{
    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var project = (ProjectResource)instance.Resource;
        var target = project.Project.TargetPath;
        if (!File.Exists(target))
        {
            throw new DistributedApplicationException($"'{target}' does not exist: build the solution first (dotnet build).");
        }

        var spec = new ProcessSpec("dotnet") { WorkingDirectory = Path.GetDirectoryName(target) };
        spec.Arguments.Add(target);
        AddConventions(spec, instance, options);
        return Task.FromResult<ProcessSpec?>(spec);
    }

    public Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken) => ApplicationHealth.CheckAsync(instance, cancellationToken);

    internal static void AddConventions(ProcessSpec spec, ResourceInstance instance, DistributedApplicationOptions options)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Development";
        spec.Environment["DOTNET_ENVIRONMENT"] = environment;
        spec.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        spec.Environment["DOTNET_NOLOGO"] = "1";
        spec.Environment["Logging__Console__FormatterName"] = "simple";
        spec.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        spec.Environment["OTEL_SERVICE_NAME"] = instance.Resource.Name;
        spec.Environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance.Name}";
        if (options.OtlpEndpoint is { } otlp)
        {
            spec.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            spec.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            spec.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "5000"; // a dashboard wants metrics every few seconds, not every minute
        }

        if (instance.Resource.AnnotationsOf<EndpointAnnotation>().FirstOrDefault(e => e.Scheme == "http") is { } http)
        {
            spec.Environment["ASPNETCORE_URLS"] = http.UrlFor(instance.Replica);
            spec.Environment["HTTP_PORTS"] = http.AllocatedPorts[instance.Replica].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>Runs any command with the same conventions as a project (a worker, a script, a deliberately broken process in tests).</summary>
internal sealed class ExecutableLauncher(DistributedApplicationOptions options) : IResourceLauncher
{
    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var executable = (ExecutableResource)instance.Resource;
        var spec = new ProcessSpec(executable.Command) { WorkingDirectory = executable.WorkingDirectory };
        foreach (var argument in executable.Arguments)
        {
            spec.Arguments.Add(argument);
        }

        ProjectLauncher.AddConventions(spec, instance, options);
        return Task.FromResult<ProcessSpec?>(spec);
    }

    public Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken) => ApplicationHealth.CheckAsync(instance, cancellationToken);
}

/// <summary>An application is healthy when its HTTP health check answers 2xx; without one, when its port accepts; without a port, when it runs.</summary>
internal static class ApplicationHealth
{
    public static async Task<bool> CheckAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var endpoints = instance.Resource.AnnotationsOf<EndpointAnnotation>().ToList();
        if (instance.Resource.AnnotationsOf<HttpHealthCheckAnnotation>().LastOrDefault() is { } check)
        {
            var endpoint = endpoints.Single(e => e.Name == check.EndpointName);
            return await Probes.HttpAsync(endpoint.UrlFor(instance.Replica) + check.Path, cancellationToken);
        }

        return endpoints.Count == 0
            ? instance.Process is { Exited.IsCompleted: false }
            : await Probes.TcpAsync(endpoints[0].AllocatedPorts[instance.Replica], cancellationToken);
    }
}
