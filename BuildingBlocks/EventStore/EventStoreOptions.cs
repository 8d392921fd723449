namespace Platform.EventStore;

public sealed class EventStoreOptions
{
    /// <summary>A snapshot is written each time a stream's version crosses a multiple of this.</summary>
    public int SnapshotEvery { get; set; } = 100;
}
