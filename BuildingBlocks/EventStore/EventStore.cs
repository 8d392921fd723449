using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Platform.EventStore.Projections;
using Platform.Postgres;

namespace Platform.EventStore;

/// <summary>
/// The entry point: sessions (one tenant-scoped transaction per command) for writing and reading streams, and the
/// global read that subscriptions use. No ORM: every statement is here or in <see cref="EventSession"/>.
/// </summary>
public sealed class EventStore(NpgsqlDataSource db, EventTypeRegistry registry, EventStoreOptions options, IEnumerable<IInlineProjection> inlineProjections, TimeProvider clock)
{
    internal const string EventColumns = "id, stream_id, version, transaction_id, sequence, type, schema_version, data, tenant_id, user_id, correlation_id, causation_id, timestamp";

    public EventTypeRegistry Registry => registry;

    internal EventStoreOptions Options => options;

    internal IReadOnlyList<IInlineProjection> InlineProjections { get; } = inlineProjections.ToList();

    internal TimeProvider Clock => clock;

    public async Task<EventSession> OpenSessionAsync(EventMetadata metadata, CancellationToken cancellationToken)
        => new(this, await TenantTransaction.BeginAsync(db, metadata.TenantId, cancellationToken), metadata);

    /// <summary>
    /// Events after <paramref name="after"/> in global order, across tenants (for subscriptions; runs as the service).
    /// Only transactions older than every running one are returned, so nothing can later appear behind the last event read.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(GlobalPosition after, int max, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await ReadAllAsync(connection, null, after, max, cancellationToken);
    }

    internal async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, GlobalPosition after, int max, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            $"""
            SELECT {EventColumns} FROM es_events
            WHERE (transaction_id, sequence) > ($1, $2) AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY transaction_id, sequence LIMIT $3
            """, connection, transaction)
        {
            Parameters = { new() { Value = after.Transaction, NpgsqlDbType = NpgsqlDbType.Xid8 }, new() { Value = after.Sequence }, new() { Value = max } },
        };
        return await ReadEventsAsync(select, cancellationToken);
    }

    internal async Task<long?> StreamVersionAsync(Guid tenantId, Guid streamId, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var select = scope.Command("SELECT version FROM es_streams WHERE id = $1", streamId);
        return await select.ExecuteScalarAsync(cancellationToken) as long?;
    }

    internal async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand select, CancellationToken cancellationToken)
    {
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var type = reader.GetString(5);
            var schemaVersion = reader.GetInt32(6);
            events.Add(new StoredEvent(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetInt64(2),
                new GlobalPosition(reader.GetFieldValue<ulong>(3), reader.GetInt64(4)),
                type,
                schemaVersion,
                registry.Deserialize(type, schemaVersion, reader.GetString(7)),
                reader.GetGuid(8),
                reader.IsDBNull(9) ? null : reader.GetGuid(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetGuid(11),
                reader.GetFieldValue<DateTimeOffset>(12)));
        }

        return events;
    }

    internal static T DeserializeSnapshot<T>(string json) => JsonSerializer.Deserialize<T>(json, EventTypeRegistry.Json)!;
}
