namespace Platform.EventStore;

/// <summary>
/// State rebuilt from a stream's events. It is plain JSON-serializable data so it can be snapshotted; bump
/// <see cref="SnapshotVersion"/> when its shape changes and older snapshots are ignored (replayed from events instead).
/// </summary>
public interface IAggregate
{
    static abstract string StreamType { get; }

    static abstract int SnapshotVersion { get; }

    void Apply(object domainEvent);
}
