using System.Text.Json;
using Platform.Caching;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.ReadModels;

public sealed record TableView(Guid Id, string Name, IReadOnlyList<FieldDefinition> Fields);

public sealed record MemberView(Guid UserId, string Role);

/// <summary>GET /api/workspaces/{id}; cached in both levels, keyed by tenant and id, versioned by the stream version (the ETag).</summary>
public sealed record WorkspaceDetails(Guid Id, string Name, bool Archived, long Version, IReadOnlyList<MemberView> Members, IReadOnlyList<TableView> Tables, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt) : IVersioned;

public sealed record WorkspaceSummary(Guid Id, string Name, bool Archived, string Role, long Version);

public sealed record RecordView(Guid Id, Guid TableId, JsonElement Values, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

/// <summary>One event of a workspace's audit trail; <see cref="Type"/> is the stored name (a version suffix marks a later shape, the data is always the current one).</summary>
public sealed record HistoryEntry(long Version, string Type, DateTimeOffset Timestamp, Guid? UserId, string? CorrelationId, object Data);
