using System.Text.Json;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.ReadModels;

/// <summary>
/// Async (Marten's daemon): records_view for listing, filtering and sorting records. Each statement is idempotent
/// (insert-if-absent, version-guarded update), so a batch applied twice leaves the same rows. A record is inserted only
/// while its stream exists, holding the stream row until the batch commits: a purge of the stream waits for the batch,
/// then deletes what it inserted, so an erased workspace leaves no rows behind. A rebuild empties the table first.
/// </summary>
internal sealed class RecordsProjection : EventProjection
{
    public const string ProjectionName = "records";

    public RecordsProjection()
    {
        Name = ProjectionName;
        IncludeType<RecordCreated>();
        IncludeType<RecordUpdated>();
        IncludeType<RecordDeleted>();
    }

    public static void Configure(AsyncOptions options) => options.DeleteDataInTableOnTeardown("records_view");

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case RecordCreated r:
                operations.QueueSqlCommand(
                    "INSERT INTO records_view (record_id, workspace_id, table_id, tenant_id, data, version, created_at, updated_at) " +
                    "SELECT ?, id, ?, ?, ?::jsonb, ?, ?, ? FROM mt_streams WHERE id = ? FOR KEY SHARE ON CONFLICT DO NOTHING",
                    r.RecordId, r.TableId, Guid.Parse(e.TenantId), JsonSerializer.Serialize(r.Values), e.Version, e.Timestamp, e.Timestamp, e.StreamId);
                break;
            case RecordUpdated r:
                operations.QueueSqlCommand("UPDATE records_view SET data = data || ?::jsonb, version = ?, updated_at = ? WHERE record_id = ? AND version < ?",
                    JsonSerializer.Serialize(r.Values), e.Version, e.Timestamp, r.RecordId, e.Version);
                break;
            case RecordDeleted r:
                operations.QueueSqlCommand("DELETE FROM records_view WHERE record_id = ?", r.RecordId);
                break;
        }

        return ValueTask.CompletedTask;
    }
}
