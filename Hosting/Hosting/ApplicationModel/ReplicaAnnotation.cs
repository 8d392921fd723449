namespace Platform.Hosting.ApplicationModel;

/// <summary>How many copies of a project run, each on its own port.</summary>
public sealed class ReplicaAnnotation(int count) : IResourceAnnotation
{
    public int Count { get; } = count >= 1 ? count : throw new ArgumentOutOfRangeException(nameof(count), "A resource needs at least one replica.");
}
