using JasperFx;
using JasperFx.Events;
using Platform.EventStore;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.Storage;

/// <summary>
/// A workspace opened for writing in a <see cref="TenantSession"/>: Marten's stream, and the aggregate kept current as
/// events are appended (a decision sees the changes queued before it). The append requires the stream to still be at
/// <see cref="Version"/> when the session saves; a writer that lost the race gets a <see cref="ConcurrencyException"/>.
/// </summary>
internal sealed class WorkspaceStream
{
    private readonly Action<object> _append;
    private readonly List<object> _pending = [];

    private WorkspaceStream(Guid id, Workspace aggregate, long version, Action<object> append)
    {
        Id = id;
        Aggregate = aggregate;
        Version = version;
        _append = append;
    }

    public Guid Id { get; }

    public Workspace Aggregate { get; }

    /// <summary>The version the stream had when it was loaded (0 for a new stream).</summary>
    public long Version { get; }

    public IReadOnlyList<object> PendingEvents => _pending;

    /// <summary>The version the stream will have once the session saves.</summary>
    public long NextVersion => Version + _pending.Count;

    /// <summary>A new workspace stream; saving fails with <see cref="ExistingStreamIdCollisionException"/> if the id is taken.</summary>
    public static WorkspaceStream Start(TenantSession session, Guid id, IReadOnlyList<object> events)
    {
        session.Events.StartStream<Workspace>(id, [.. events]);
        var stream = new WorkspaceStream(id, new Workspace { Id = id }, 0, e => session.Events.Append(id, e));
        stream.Aggregate.WhenAll(events);
        stream._pending.AddRange(events);
        return stream;
    }

    /// <summary>
    /// The workspace with its version, null when it does not exist (or belongs to another tenant). With
    /// <paramref name="expectedVersion"/> (the client's If-Match), a stream at another version throws
    /// <see cref="ConcurrencyException"/> at once.
    /// </summary>
    public static async Task<WorkspaceStream?> FetchAsync(TenantSession session, Guid id, long? expectedVersion, CancellationToken cancellationToken)
    {
        IEventStream<Workspace> stream;
        try
        {
            stream = expectedVersion is { } expected
                ? await session.Events.FetchForWriting<Workspace>(id, expected, cancellationToken)
                : await session.Events.FetchForWriting<Workspace>(id, cancellationToken);
        }
        catch (ConcurrencyException) when (expectedVersion is not null)
        {
            // A missing workspace is "not found" whatever If-Match said.
            if (await session.Events.FetchStreamStateAsync(id, cancellationToken) is null)
            {
                return null;
            }

            throw;
        }

        return stream.Aggregate is { } aggregate ? new WorkspaceStream(id, aggregate, stream.StartingVersion ?? 0, e => stream.AppendOne(e)) : null;
    }

    public void Append(IEnumerable<object> events)
    {
        foreach (var e in events)
        {
            Aggregate.When(e);
            _append(e);
            _pending.Add(e);
        }
    }

    /// <summary>Whether a save failed because another writer got there first (or the new stream's id exists).</summary>
    public static bool IsConflict(Exception e)
        => e is ConcurrencyException or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException; // a lost append race is a ConcurrencyException subclass
}
