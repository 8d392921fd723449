namespace Platform.Hosting.ApplicationModel;

/// <summary>A named node of the graph. What it does is said by its annotations; runners read them.</summary>
public interface IResource
{
    string Name { get; }

    IList<IResourceAnnotation> Annotations { get; }
}

public abstract class Resource(string name) : IResource
{
    public string Name { get; } = name;

    public IList<IResourceAnnotation> Annotations { get; } = [];

    public override string ToString() => Name;
}

/// <summary>Marker for the small pieces of data attached to a resource.</summary>
public interface IResourceAnnotation;

/// <summary>A resource that hands out a connection string (databases, caches, brokers).</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>Completes once the value is known; for Kafka that is after the broker has started.</summary>
    ValueTask<string> GetConnectionStringAsync(CancellationToken cancellationToken = default);
}

/// <summary>A resource that lives inside another one (a database inside a server).</summary>
public interface IResourceWithParent : IResource
{
    IResource Parent { get; }
}

public static class ResourceExtensions
{
    public static IEnumerable<T> AnnotationsOf<T>(this IResource resource) where T : IResourceAnnotation => resource.Annotations.OfType<T>();
}

/// <summary>A connection string that reaches one TCP port, so a consumer's edge to it can be re-pointed at a fault proxy.</summary>
public interface IResourceWithTcpConnectionString : IResourceWithConnectionString
{
    int ConnectionPort { get; }

    string ConnectionStringFor(int port);
}
