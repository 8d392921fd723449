using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting;

public static class ResourceBuilderExtensions
{
    /// <summary>Passes <c>ConnectionStrings__{name}</c> to the resource, as Aspire does.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source)
        where T : IResource
    {
        var target = source.Resource;
        builder.Resource.Annotations.Add(new ReferenceAnnotation(target));
        return builder.WithEnvironment(async context =>
            context.Variables[$"ConnectionStrings__{target.Name}"] = target is IResourceWithTcpConnectionString tcp
                ? tcp.ConnectionStringFor(context.PortFor(target, tcp.ConnectionPort))
                : await ((IResourceWithConnectionString)target).GetConnectionStringAsync(context.CancellationToken));
    }

    /// <summary>Passes <c>services__{name}__{endpoint}__{i}</c> for every replica of a project, as Aspire's service discovery expects.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<ProjectResource> source)
        where T : IResource
    {
        var target = source.Resource;
        builder.Resource.Annotations.Add(new ReferenceAnnotation(target));
        return builder.WithEnvironment(context =>
        {
            foreach (var endpoint in target.AnnotationsOf<EndpointAnnotation>())
            {
                for (var i = 0; i < endpoint.AllocatedPorts.Count; i++)
                {
                    context.Variables[$"services__{target.Name}__{endpoint.Name}__{i}"] = $"{endpoint.Scheme}://127.0.0.1:{context.PortFor(target, endpoint.AllocatedPorts[i])}";
                }
            }

            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Start this resource only after <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency) where T : IResource
    {
        builder.Resource.Annotations.Add(new WaitAnnotation(dependency.Resource));
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value) where T : IResource
        => builder.WithEnvironment(context =>
        {
            context.Variables[name] = value;
            return ValueTask.CompletedTask;
        });

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, Func<EnvironmentContext, ValueTask> callback) where T : IResource
    {
        builder.Resource.Annotations.Add(new EnvironmentCallbackAnnotation(callback));
        return builder;
    }

    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, string name = "http", bool isExternal = false)
        where T : IResource
    {
        var existing = builder.Resource.AnnotationsOf<EndpointAnnotation>().FirstOrDefault(e => e.Name == name);
        if (existing is not null)
        {
            builder.Resource.Annotations.Remove(existing);
        }

        builder.Resource.Annotations.Add(new EndpointAnnotation(name, "http", port, isExternal));
        return builder;
    }

    /// <summary>Serve the resource on a fixed port reachable from outside the graph (the gateway's 8080).</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoint<T>(this IResourceBuilder<T> builder, int port) where T : IResource
        => builder.WithHttpEndpoint(port, isExternal: true);

    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health") where T : IResource
    {
        builder.Resource.Annotations.Add(new HttpHealthCheckAnnotation(path));
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int count)
    {
        foreach (var existing in builder.Resource.AnnotationsOf<ReplicaAnnotation>().ToList())
        {
            builder.Resource.Annotations.Remove(existing);
        }

        builder.Resource.Annotations.Add(new ReplicaAnnotation(count));
        return builder;
    }

    internal static int ReplicaCount(this IResource resource) => resource.AnnotationsOf<ReplicaAnnotation>().LastOrDefault()?.Count ?? 1;
}
