namespace Platform.EventStore;

/// <summary>Who and what caused the events of one unit of work; stored on every event it appends.</summary>
public sealed record EventMetadata(Guid TenantId, Guid? UserId, string? CorrelationId, Guid? CausationId);

/// <summary>An event as stored: its data (upcast to the current schema) with stream, order and metadata.</summary>
public sealed record StoredEvent(
    Guid EventId,
    Guid StreamId,
    long Version,
    GlobalPosition Position,
    string Type,
    int SchemaVersion,
    object Data,
    Guid TenantId,
    Guid? UserId,
    string? CorrelationId,
    Guid? CausationId,
    DateTimeOffset Timestamp);
