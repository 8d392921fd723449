namespace Platform.Hosting.ApplicationModel;

/// <summary>Adds environment variables to a resource's process when it is launched.</summary>
public sealed class EnvironmentCallbackAnnotation(Func<EnvironmentContext, ValueTask> callback) : IResourceAnnotation
{
    public Func<EnvironmentContext, ValueTask> Callback { get; } = callback;
}

public sealed class EnvironmentContext(IDictionary<string, string> variables, string resourceName, int replica, Chaos.EdgeRouter? edges, CancellationToken cancellationToken)
{
    /// <summary>The resource being launched (the consumer side of its references).</summary>
    public string ResourceName { get; } = resourceName;

    /// <summary>
    /// The port this resource should dial to reach <paramref name="port"/> of <paramref name="target"/>: the port itself,
    /// or, when the run has edge proxies, the fault proxy of the edge "this->target" (a database's edge is its server's).
    /// </summary>
    public int PortFor(IResource target, int port)
        => edges?.Route(ResourceName, target is IResourceWithParent child ? child.Parent.Name : target.Name, port) ?? port;

    public IDictionary<string, string> Variables { get; } = variables;

    public int Replica { get; } = replica;

    public CancellationToken CancellationToken { get; } = cancellationToken;
}
