namespace Platform.Hosting.ApplicationModel;

/// <summary>The resource starts only after <see cref="Target"/> is healthy.</summary>
public sealed class WaitAnnotation(IResource target) : IResourceAnnotation
{
    public IResource Target { get; } = target;
}

/// <summary>The resource uses <see cref="Target"/> (connection string or endpoints); used for graph validation and ordering.</summary>
public sealed class ReferenceAnnotation(IResource target) : IResourceAnnotation
{
    public IResource Target { get; } = target;
}
