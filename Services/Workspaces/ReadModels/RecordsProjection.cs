using System.Text.Json;
using Npgsql;
using Platform.EventStore;
using Platform.EventStore.Projections;
using Platform.Postgres;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.ReadModels;

/// <summary>
/// Async: records_view for listing, filtering and sorting records, fed from the global order. Each statement is
/// idempotent (insert-if-absent, version-guarded update), so a batch applied twice leaves the same rows. A record is
/// inserted only while its stream exists, holding the stream row until the batch commits: a purge of the stream waits
/// for the batch, then deletes what it inserted, so an erased workspace leaves no rows behind.
/// </summary>
internal sealed class RecordsProjection : IAsyncProjection
{
    public const string ProjectionName = "records";

    public string Name => ProjectionName;

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            var (sql, parameters) = e.Data switch
            {
                RecordCreated r => ("INSERT INTO records_view (record_id, workspace_id, table_id, tenant_id, data, version, created_at, updated_at) " +
                                    "SELECT $1, $2, $3, $4, $5::jsonb, $6, $7, $7 FROM es_streams WHERE id = $2 FOR KEY SHARE ON CONFLICT DO NOTHING",
                    new object[] { r.RecordId, e.StreamId, r.TableId, e.TenantId, JsonSerializer.Serialize(r.Values), e.Version, e.Timestamp }),
                RecordUpdated r => ("UPDATE records_view SET data = data || $2::jsonb, version = $3, updated_at = $4 WHERE record_id = $1 AND version < $3",
                    [r.RecordId, JsonSerializer.Serialize(r.Values), e.Version, e.Timestamp]),
                RecordDeleted r => ("DELETE FROM records_view WHERE record_id = $1", [r.RecordId]),
                _ => ((string?)null, Array.Empty<object>()),
            };
            if (sql is null)
            {
                continue;
            }

            await using var command = Sql.Command(connection, transaction, sql, parameters);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var truncate = new NpgsqlCommand("DELETE FROM records_view", connection, transaction);
        await truncate.ExecuteNonQueryAsync(cancellationToken);
    }
}
