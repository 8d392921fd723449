using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.EventStore;

/// <summary>
/// The unit of work of one command: a tenant-scoped transaction in which the command reads streams, appends events,
/// and queues integration messages. <see cref="SaveChangesAsync"/> writes the events, runs the inline projections,
/// writes snapshots and the outbox, and commits, all or nothing. Disposing without saving rolls everything back.
/// </summary>
public sealed class EventSession : IAsyncDisposable
{
    private readonly EventStore _store;
    private readonly TenantTransaction _scope;
    private readonly List<EventStream> _streams = [];
    private readonly List<OutboxMessage> _outbox = [];

    internal EventSession(EventStore store, TenantTransaction scope, EventMetadata metadata)
    {
        _store = store;
        _scope = scope;
        Metadata = metadata;
    }

    public EventMetadata Metadata { get; }

    public NpgsqlConnection Connection => _scope.Connection;

    public NpgsqlTransaction Transaction => _scope.Transaction;

    /// <summary>A command in this session's transaction (tenant-scoped: row-level security applies).</summary>
    public NpgsqlCommand Command(string sql, params object[] parameters) => _scope.Command(sql, parameters);

    public EventStream<T> StartStream<T>(Guid id, params object[] events)
        where T : IAggregate, new()
    {
        var stream = new EventStream<T>(id, new T(), 0, isNew: true);
        stream.Append(events);
        _streams.Add(stream);
        return stream;
    }

    /// <summary>Starts a stream without an aggregate (raw events).</summary>
    public void StartStream(Guid id, string streamType, params object[] events)
    {
        var stream = new EventStream(id, streamType, 0, isNew: true);
        stream.Append(events);
        _streams.Add(stream);
    }

    /// <summary>Appends to an existing stream that must be at <paramref name="expectedVersion"/> when the session saves.</summary>
    public void Append(Guid id, long expectedVersion, params object[] events)
    {
        var stream = new EventStream(id, "", expectedVersion, isNew: false);
        stream.Append(events);
        _streams.Add(stream);
    }

    /// <summary>
    /// Loads the aggregate (snapshot + newer events) and opens its stream for appending; the append will require the
    /// stream to still be at the loaded version. Null when the stream does not exist (or belongs to another tenant).
    /// A mismatch with <paramref name="expectedVersion"/> (the client's If-Match) fails at once.
    /// </summary>
    public async Task<EventStream<T>?> FetchForWritingAsync<T>(Guid id, long? expectedVersion, CancellationToken cancellationToken)
        where T : IAggregate, new()
    {
        if (await AggregateStreamAsync<T>(id, cancellationToken) is not var (aggregate, version))
        {
            return null;
        }

        if (expectedVersion is { } expected && expected != version)
        {
            throw new StreamConflictException(id, expected, version);
        }

        var stream = new EventStream<T>(id, aggregate, version, isNew: false);
        _streams.Add(stream);
        return stream;
    }

    /// <summary>The aggregate's current state and version: the newest usable snapshot plus the events after it.</summary>
    public async Task<(T Aggregate, long Version)?> AggregateStreamAsync<T>(Guid id, CancellationToken cancellationToken)
        where T : IAggregate, new()
    {
        var aggregate = new T();
        var version = 0L;
        await using (var snapshot = Command("SELECT version, data FROM es_snapshots WHERE stream_id = $1 AND snapshot_version = $2", id, T.SnapshotVersion))
        await using (var reader = await snapshot.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                version = reader.GetInt64(0);
                aggregate = EventStore.DeserializeSnapshot<T>(reader.GetString(1));
            }
        }

        foreach (var @event in await ReadStreamAsync(id, version + 1, int.MaxValue, backwards: false, cancellationToken))
        {
            aggregate.Apply(@event.Data);
            version = @event.Version;
        }

        return version == 0 ? null : (aggregate, version);
    }

    /// <summary>A stream's events from <paramref name="fromVersion"/> (inclusive), forwards, or backwards from it.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(Guid id, long fromVersion, int max, bool backwards, CancellationToken cancellationToken)
    {
        await using var select = Command(
            $"SELECT {EventStore.EventColumns} FROM es_events WHERE stream_id = $1 AND version {(backwards ? "<=" : ">=")} $2 ORDER BY version {(backwards ? "DESC" : "ASC")} LIMIT $3",
            id, fromVersion, max);
        return await _store.ReadEventsAsync(select, cancellationToken);
    }

    /// <summary>
    /// Erases a stream (its events, snapshot and version) in this session's transaction. Event streams are append-only;
    /// this is for the two cases where a stream must not survive: compensating a creation nobody has seen (a failed
    /// saga) and erasure on request. Read models built from the stream are the caller's to clean up in the same
    /// session. Returns how many events were erased.
    /// </summary>
    public async Task<int> PurgeStreamAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var purge = Command(
            "WITH events AS (DELETE FROM es_events WHERE stream_id = $1 RETURNING 1), snapshot AS (DELETE FROM es_snapshots WHERE stream_id = $1), " +
            "stream AS (DELETE FROM es_streams WHERE id = $1) SELECT count(*) FROM events", id);
        return (int)(long)(await purge.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Queues an integration message; it reaches the outbox only if this session commits.</summary>
    public void Publish(OutboxMessage message) => _outbox.Add(message);

    public async Task<IReadOnlyList<StoredEvent>> SaveChangesAsync(CancellationToken cancellationToken)
    {
        var now = _store.Clock.GetUtcNow();
        var writing = _streams.Where(s => s.Pending.Count > 0).ToList();
        var rows = new List<(Guid Id, Guid Stream, long Version, string Type, int SchemaVersion, string Data, object Event)>();
        foreach (var stream in writing)
        {
            var version = stream.Version;
            foreach (var @event in stream.Pending)
            {
                var (type, schemaVersion) = _store.Registry.NameOf(@event.GetType());
                rows.Add((Guid.CreateVersion7(), stream.Id, ++version, type, schemaVersion, EventTypeRegistry.Serialize(@event), @event));
            }
        }

        var stored = await AppendAsync(writing, rows, now, cancellationToken);
        foreach (var projection in _store.InlineProjections)
        {
            await projection.ApplyAsync(this, stored, cancellationToken);
        }

        foreach (var stream in _streams.Where(s => s.State is not null && s.NextVersion / _store.Options.SnapshotEvery > s.Version / _store.Options.SnapshotEvery))
        {
            await using var snapshot = Command(
                """
                INSERT INTO es_snapshots (stream_id, tenant_id, snapshot_version, version, data, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
                ON CONFLICT (stream_id) DO UPDATE SET snapshot_version = excluded.snapshot_version, version = excluded.version, data = excluded.data, created_at = excluded.created_at
                """,
                stream.Id, Metadata.TenantId, stream.SnapshotVersion, stream.NextVersion, JsonSerializer.Serialize(stream.State, stream.State!.GetType(), EventTypeRegistry.Json), now);
            await snapshot.ExecuteNonQueryAsync(cancellationToken);
        }

        await Outbox.WriteAsync(Connection, Transaction, _outbox, cancellationToken);
        await _scope.CommitAsync(cancellationToken);
        return stored;
    }

    // Optimistic concurrency: the stream row is the guard. Claiming a version holds the row lock until commit, so of
    // two writers expecting the same version the second waits, then finds the version moved (no row claimed) or, if its
    // events went in first, hits the (stream, version) key. Claims and events travel in one round trip.
    private async Task<IReadOnlyList<StoredEvent>> AppendAsync(List<EventStream> writing, List<(Guid Id, Guid Stream, long Version, string Type, int SchemaVersion, string Data, object Event)> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var stream in writing)
        {
            batch.BatchCommands.Add(stream.IsNew
                ? Sql.BatchCommand("INSERT INTO es_streams (id, tenant_id, type, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING",
                    stream.Id, Metadata.TenantId, stream.Type, stream.NextVersion, now)
                : Sql.BatchCommand("UPDATE es_streams SET version = $3, updated_at = $4 WHERE id = $1 AND version = $2", stream.Id, stream.Version, stream.NextVersion, now));
        }

        batch.BatchCommands.Add(InsertEventsCommand(rows, now));
        var positions = new Dictionary<Guid, GlobalPosition>(rows.Count);
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    positions[reader.GetGuid(0)] = new GlobalPosition(reader.GetFieldValue<ulong>(1), reader.GetInt64(2));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName == "es_events")
        {
            // This transaction is aborted; the stream's version is read outside it (as on the path below).
            var stream = writing.Count == 1 ? writing[0] : writing.First(s => e.Detail?.Contains(s.Id.ToString(), StringComparison.Ordinal) ?? true);
            throw new StreamConflictException(stream.Id, stream.IsNew ? null : stream.Version, await _store.StreamVersionAsync(Metadata.TenantId, stream.Id, cancellationToken));
        }

        for (var i = 0; i < writing.Count; i++)
        {
            if (batch.BatchCommands[i].RecordsAffected == 0)
            {
                throw new StreamConflictException(writing[i].Id, writing[i].IsNew ? null : writing[i].Version, await _store.StreamVersionAsync(Metadata.TenantId, writing[i].Id, cancellationToken));
            }
        }

        return rows.Select(r => new StoredEvent(r.Id, r.Stream, r.Version, positions[r.Id], r.Type, r.SchemaVersion, r.Event,
            Metadata.TenantId, Metadata.UserId, Metadata.CorrelationId, Metadata.CausationId, now)).ToList();
    }

    private NpgsqlBatchCommand InsertEventsCommand(List<(Guid Id, Guid Stream, long Version, string Type, int SchemaVersion, string Data, object Event)> rows, DateTimeOffset now)
    {
        return new NpgsqlBatchCommand(
            """
            INSERT INTO es_events (id, stream_id, version, tenant_id, type, schema_version, data, user_id, correlation_id, causation_id, timestamp)
            SELECT e.id, e.stream_id, e.version, $4, e.type, e.schema_version, e.data, $8, $9, $10, $11
            FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $5::text[], $6::int[], $7::jsonb[]) AS e(id, stream_id, version, type, schema_version, data)
            RETURNING id, transaction_id, sequence
            """)
        {
            Parameters =
            {
                new() { Value = rows.Select(r => r.Id).ToArray() },
                new() { Value = rows.Select(r => r.Stream).ToArray() },
                new() { Value = rows.Select(r => r.Version).ToArray() },
                new() { Value = Metadata.TenantId },
                new() { Value = rows.Select(r => r.Type).ToArray() },
                new() { Value = rows.Select(r => r.SchemaVersion).ToArray() },
                new() { Value = rows.Select(r => r.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = (object?)Metadata.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = (object?)Metadata.CorrelationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = (object?)Metadata.CausationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = now },
            },
        };
    }

    public ValueTask DisposeAsync() => _scope.DisposeAsync();
}
