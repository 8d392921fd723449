using System.Security.Claims;
using System.Text.Json;
using Npgsql;
using Platform.Caching;
using Platform.EventStore;
using Platform.Postgres;
using Platform.ServiceDefaults.Authentication;
using Platform.Workspaces.Api;

namespace Platform.Workspaces.ReadModels;

/// <summary>
/// The read side. Every query runs in a tenant transaction (row-level security hides other tenants), and a caller who
/// is not a member of a workspace gets nothing, as if it did not exist.
/// </summary>
internal sealed class WorkspaceReader(NpgsqlDataSource db, TenantSessions sessions, TwoLevelCache cache)
{
    public async Task<Paged<WorkspaceSummary>> ListAsync(ClaimsPrincipal user, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, user.GetTenantId(), cancellationToken);
        await using var select = scope.Command(
            """
            SELECT w.id, w.name, w.archived, m.role, w.version, count(*) OVER ()
            FROM workspace_members m JOIN workspaces_view w ON w.id = m.workspace_id
            WHERE m.user_id = $1 ORDER BY w.created_at, w.id LIMIT $2 OFFSET $3
            """, user.GetUserId(), pageSize, (page - 1) * pageSize);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var items = new List<WorkspaceSummary>();
        long total = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new WorkspaceSummary(reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3), reader.GetInt64(4)));
            total = reader.GetInt64(5);
        }

        return new Paged<WorkspaceSummary>(items, page, pageSize, total);
    }

    /// <summary>The workspace if the caller is a member of it (through the two-level cache).</summary>
    public async Task<WorkspaceDetails?> DetailsAsync(ClaimsPrincipal user, Guid workspaceId, CancellationToken cancellationToken)
    {
        var tenantId = user.GetTenantId();
        var details = await cache.GetOrLoadAsync(WorkspaceWriter.CacheKey(tenantId, workspaceId), ct => LoadDetailsAsync(tenantId, workspaceId, ct), cancellationToken);
        var userId = user.GetUserId();
        return details?.Members.Any(m => m.UserId == userId) == true ? details : null;
    }

    public async Task<IReadOnlyList<HistoryEntry>?> HistoryAsync(ClaimsPrincipal user, Guid workspaceId, long fromVersion, int limit, CancellationToken cancellationToken)
    {
        await using var session = await sessions.OpenAsync(WorkspaceWriter.Metadata(user), cancellationToken);
        await using var member = session.Command("SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2", workspaceId, user.GetUserId());
        if (await member.ExecuteScalarAsync(cancellationToken) is null)
        {
            return null;
        }

        var events = await session.Events.FetchStreamAsync(workspaceId, version: fromVersion + limit - 1, fromVersion: fromVersion, token: cancellationToken);
        return events.Select(e => new HistoryEntry(e.Version, e.EventTypeName, e.Timestamp, Guid.TryParse(e.UserName, out var userId) ? userId : null, e.CorrelationId, e.Data)).ToList();
    }

    /// <summary>Records of a table, filtered by field equality and sorted by one field (names already checked against the table).</summary>
    public async Task<Paged<RecordView>> RecordsAsync(ClaimsPrincipal user, Guid tableId, IReadOnlyDictionary<string, string> filters, string? sortField, bool descending, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, user.GetTenantId(), cancellationToken);
        var parameters = new List<object> { tableId, pageSize, (page - 1) * pageSize };
        var where = "table_id = $1";
        foreach (var (field, value) in filters)
        {
            parameters.Add(field);
            parameters.Add(value);
            where += $" AND data->>${parameters.Count - 1} = ${parameters.Count}";
        }

        var order = "record_id";
        if (sortField is not null)
        {
            parameters.Add(sortField);
            order = $"data->${parameters.Count} {(descending ? "DESC" : "ASC")} NULLS LAST, record_id";
        }

        await using var select = scope.Command(
            $"SELECT record_id, table_id, data, version, created_at, updated_at, count(*) OVER () FROM records_view WHERE {where} ORDER BY {order} LIMIT $2 OFFSET $3",
            [.. parameters]);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var items = new List<RecordView>();
        long total = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadRecord(reader));
            total = reader.GetInt64(6);
        }

        return new Paged<RecordView>(items, page, pageSize, total);
    }

    public async Task<RecordView?> RecordAsync(ClaimsPrincipal user, Guid tableId, Guid recordId, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, user.GetTenantId(), cancellationToken);
        await using var select = scope.Command("SELECT record_id, table_id, data, version, created_at, updated_at FROM records_view WHERE record_id = $1 AND table_id = $2", recordId, tableId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    private async Task<WorkspaceDetails?> LoadDetailsAsync(Guid tenantId, Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = scope.Command(
            """
            SELECT w.name, w.archived, w.version, w.tables, w.created_at, w.updated_at,
                   coalesce((SELECT jsonb_agg(jsonb_build_object('userId', m.user_id, 'role', m.role) ORDER BY m.user_id) FROM workspace_members m WHERE m.workspace_id = w.id), '[]')
            FROM workspaces_view w WHERE w.id = $1
            """, workspaceId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new WorkspaceDetails(workspaceId, reader.GetString(0), reader.GetBoolean(1), reader.GetInt64(2),
            JsonSerializer.Deserialize<List<MemberView>>(reader.GetString(6), JsonSerializerOptions.Web)!,
            JsonSerializer.Deserialize<List<TableView>>(reader.GetString(3), JsonSerializerOptions.Web)!,
            reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5));
    }

    private static RecordView ReadRecord(NpgsqlDataReader reader)
        => new(reader.GetGuid(0), reader.GetGuid(1), JsonSerializer.Deserialize<JsonElement>(reader.GetString(2)), reader.GetInt64(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5));
}
