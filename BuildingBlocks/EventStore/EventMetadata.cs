namespace Platform.EventStore;

/// <summary>Who and what caused the events of one unit of work; Marten stores it on every event the session appends.</summary>
public sealed record EventMetadata(Guid TenantId, Guid? UserId, string? CorrelationId, Guid? CausationId);
