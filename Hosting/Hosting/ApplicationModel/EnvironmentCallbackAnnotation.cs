namespace Platform.Hosting.ApplicationModel;

/// <summary>Adds environment variables to a resource's process when it is launched.</summary>
public sealed class EnvironmentCallbackAnnotation(Func<EnvironmentContext, ValueTask> callback) : IResourceAnnotation
{
    public Func<EnvironmentContext, ValueTask> Callback { get; } = callback;
}

public sealed class EnvironmentContext(IDictionary<string, string> variables, int replica, CancellationToken cancellationToken)
{
    public IDictionary<string, string> Variables { get; } = variables;

    public int Replica { get; } = replica;

    public CancellationToken CancellationToken { get; } = cancellationToken;
}
