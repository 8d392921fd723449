namespace Platform.EventStore;

/// <summary>A stream opened for writing in a session: what it was when loaded, and the events queued for it.</summary>
public class EventStream
{
    internal EventStream(Guid id, string type, long version, bool isNew)
    {
        Id = id;
        Type = type;
        Version = version;
        IsNew = isNew;
    }

    public Guid Id { get; }

    public string Type { get; }

    /// <summary>The version the stream had when it was loaded: the expected version of the append.</summary>
    public long Version { get; }

    public bool IsNew { get; }

    internal List<object> Pending { get; } = [];

    /// <summary>The events queued in this session, in order; the first gets version <see cref="Version"/> + 1.</summary>
    public IReadOnlyList<object> PendingEvents => Pending;

    /// <summary>The version the stream will have once the session saves.</summary>
    public long NextVersion => Version + Pending.Count;

    internal virtual IAggregate? State => null;

    internal virtual int SnapshotVersion => 0;

    public virtual void Append(params object[] events) => Pending.AddRange(events);
}

/// <summary>A stream with its aggregate: appended events are applied at once, so decisions see the new state.</summary>
public sealed class EventStream<T> : EventStream
    where T : IAggregate
{
    internal EventStream(Guid id, T aggregate, long version, bool isNew)
        : base(id, T.StreamType, version, isNew) => Aggregate = aggregate;

    public T Aggregate { get; }

    internal override IAggregate State => Aggregate;

    internal override int SnapshotVersion => T.SnapshotVersion;

    public override void Append(params object[] events)
    {
        foreach (var @event in events)
        {
            Aggregate.Apply(@event);
        }

        base.Append(events);
    }
}
