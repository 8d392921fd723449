namespace Platform.EventStore.Projections;

/// <summary>A read model updated in the same transaction as the events (read-your-writes; runs tenant-scoped).</summary>
public interface IInlineProjection
{
    Task ApplyAsync(EventSession session, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken);
}
