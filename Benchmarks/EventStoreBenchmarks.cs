using Platform.Hosting.Postgres;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Platform.EventStore;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Marten;
using Marten.Events;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.ServiceDefaults.Clients;

namespace Platform.Benchmarks;

internal sealed record BenchEvent(int N, string Payload);

/// <summary>
/// Append throughput of the event store as services use it (Marten under the platform's settings, in a tenant
/// transaction with row-level security: <see cref="TenantSessions"/>), and of a plain Marten session on the same store,
/// for 1, 8 and 32 writers, one event or 100 per transaction (starting a stream, or appended to one), against raw writes
/// of the same rows into a copy of Marten's events table in the same run: single-row INSERT for single events, COPY for
/// batches. The copy has Marten's columns and indexes, not its foreign key to mt_streams nor the row-level security.
/// </summary>
internal static class EventStoreBenchmarks
{
    private const string Payload = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static async Task RunAsync(DistributedApplication app)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await app.CreateScratchDatabaseAsync("postgres", "bench_es")) { MaxPoolSize = 64 };
        NpgsqlClientExtensions.PrepareRepeatedStatements(connectionString); // as the services' data sources
        await using var db = NpgsqlDataSource.Create(connectionString.ConnectionString);
        using var store = DocumentStore.For(options =>
        {
            options.Connection(db);
            MartenEventStore.Configure(options, "public");
            options.Events.MapEventType<BenchEvent>("bench");
        });
        await SchemaMigrator.MigrateAsync(db, [OutboxSchema.Sql + OutboxSchema.SchedulingSql, MartenEventStore.IsolationSql() + "CREATE TABLE raw_events (LIKE mt_events INCLUDING ALL); ALTER TABLE raw_events ALTER COLUMN seq_id SET DEFAULT nextval('mt_events_sequence');"],
            first: () => MartenEventStore.ApplySchemaAsync(store));
        var sessions = new TenantSessions(store, db);

        Console.WriteLine();
        Console.WriteLine($"{"event store append",-34} {"writers",8} {"events",8} {"platform ev/s",14} {"marten ev/s",12} {"raw ev/s",12} {"platform / raw",15}");
        // A new stream per transaction (Marten inserts the stream row, then one INSERT per event), or a batch appended to a
        // stream each writer already has, with its expected version (Marten's bulk append function): a workspace's records.
        foreach (var (workload, batch, ontoStream) in new[] { ("1 event, new stream", 1, false), ("100 events, new stream", 100, false), ("100 events onto a stream", 100, true) })
        {
            foreach (var writers in new[] { 1, 8, 32 })
            {
                var total = batch == 1 ? 6_400 : 64_000;
                var transactions = total / batch / writers;
                object[] Events() => [.. Enumerable.Range(0, batch).Select(n => (object)new BenchEvent(n, Payload))];
                var platformStreams = ontoStream ? await StreamsAsync(sessions, writers) : null;
                var platformRate = await RateAsync(writers, transactions, batch, async writer =>
                {
                    var stream = platformStreams?[writer];
                    await using var session = await sessions.OpenAsync(new EventMetadata(stream?.Tenant ?? Guid.NewGuid(), Guid.NewGuid(), "bench", null), CancellationToken.None);
                    Write(session.Events, stream, Events());
                    await session.SaveChangesAsync(CancellationToken.None);
                    stream?.Appended(batch);
                });
                var martenStreams = ontoStream ? await StreamsAsync(sessions, writers) : null;
                var martenRate = await RateAsync(writers, transactions, batch, async writer =>
                {
                    var stream = martenStreams?[writer];
                    await using var session = store.LightweightSession((stream?.Tenant ?? Guid.NewGuid()).ToString());
                    session.CorrelationId = "bench";
                    Write(session.Events, stream, Events());
                    await session.SaveChangesAsync();
                    stream?.Appended(batch);
                });
                var rawRate = await RateAsync(writers, transactions, batch, _ => batch == 1 ? InsertRawAsync(db) : CopyRawAsync(db, batch));
                Console.WriteLine($"{workload,-34} {writers,8} {total,8} {platformRate,14:0} {martenRate,12:0} {rawRate,12:0} {platformRate / rawRate,15:0.00}");
            }
        }
    }

    /// <summary>A stream a writer appends to: its tenant, id and the version the next append expects.</summary>
    private sealed class WriterStream(Guid tenant, Guid id)
    {
        public Guid Tenant { get; } = tenant;

        public Guid Id { get; } = id;

        public long Version { get; private set; } = 1;

        public void Appended(int events) => Version += events;
    }

    private static void Write(IEventStoreOperations events, WriterStream? stream, object[] batch)
    {
        if (stream is null)
        {
            events.StartStream(Guid.NewGuid(), batch);
        }
        else
        {
            events.Append(stream.Id, stream.Version + batch.Length, batch);
        }
    }

    /// <summary>One stream of one event per writer, each in a tenant of its own.</summary>
    private static async Task<WriterStream[]> StreamsAsync(TenantSessions sessions, int writers)
    {
        var streams = Enumerable.Range(0, writers).Select(_ => new WriterStream(Guid.NewGuid(), Guid.NewGuid())).ToArray();
        foreach (var stream in streams)
        {
            await using var session = await sessions.OpenAsync(new EventMetadata(stream.Tenant, null, "bench", null), CancellationToken.None);
            session.Events.StartStream(stream.Id, new BenchEvent(0, Payload));
            await session.SaveChangesAsync(CancellationToken.None);
        }

        return streams;
    }

    /// <summary>
    /// The steady-state rate: the same load runs once untimed first (the JIT's tiers and Npgsql's prepared statements
    /// settle; a cold run measured half the rate), then once timed.
    /// </summary>
    private static async Task<double> RateAsync(int writers, int transactionsPerWriter, int batch, Func<int, Task> transaction)
    {
        await RunAsync();
        var clock = Stopwatch.StartNew();
        await RunAsync();
        return writers * transactionsPerWriter * batch / clock.Elapsed.TotalSeconds;

        Task RunAsync() => Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < transactionsPerWriter; i++)
            {
                await transaction(writer);
            }
        })));
    }

    private static async Task InsertRawAsync(NpgsqlDataSource db)
    {
        await using var insert = db.CreateCommand(
            "INSERT INTO raw_events (id, stream_id, version, tenant_id, type, data, correlation_id, timestamp) VALUES ($1, $2, 1, $3, 'bench', $4::jsonb, 'bench', now())");
        insert.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        insert.Parameters.Add(new() { Value = Guid.NewGuid() });
        insert.Parameters.Add(new() { Value = Guid.NewGuid().ToString() });
        insert.Parameters.Add(new() { Value = $$"""{"n":0,"payload":"{{Payload}}"}""" });
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task CopyRawAsync(NpgsqlDataSource db, int batch)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var stream = Guid.NewGuid();
        var tenant = Guid.NewGuid().ToString();
        await using (var copy = await connection.BeginBinaryImportAsync("COPY raw_events (id, stream_id, version, tenant_id, type, data, correlation_id, timestamp) FROM STDIN (FORMAT BINARY)"))
        {
            for (var n = 0; n < batch; n++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await copy.WriteAsync(stream, NpgsqlDbType.Uuid);
                await copy.WriteAsync((long)n + 1, NpgsqlDbType.Bigint);
                await copy.WriteAsync(tenant, NpgsqlDbType.Varchar);
                await copy.WriteAsync("bench", NpgsqlDbType.Varchar);
                await copy.WriteAsync($$"""{"n":{{n}},"payload":"{{Payload}}"}""", NpgsqlDbType.Jsonb);
                await copy.WriteAsync("bench", NpgsqlDbType.Varchar);
                await copy.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync();
        }

        await transaction.CommitAsync();
    }
}
