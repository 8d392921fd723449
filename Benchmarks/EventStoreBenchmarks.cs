using Platform.Hosting.Postgres;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Platform.EventStore;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Marten;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.Benchmarks;

internal sealed record BenchEvent(int N, string Payload);

/// <summary>
/// Append throughput of the event store as services use it (Marten under the platform's settings, in a tenant
/// transaction with row-level security: <see cref="TenantSessions"/>), and of a plain Marten session on the same store,
/// for 1, 8 and 32 writers, one event or 100 per transaction, against raw writes of the same rows into a copy of
/// Marten's events table in the same run: single-row INSERT for single events, COPY for batches.
/// </summary>
internal static class EventStoreBenchmarks
{
    private const string Payload = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static async Task RunAsync(DistributedApplication app)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await app.CreateScratchDatabaseAsync("postgres", "bench_es")) { MaxPoolSize = 64 };
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
        Console.WriteLine($"{"event store append",-30} {"writers",8} {"events",8} {"platform ev/s",14} {"marten ev/s",12} {"raw ev/s",12} {"platform / raw",15}");
        foreach (var batch in new[] { 1, 100 })
        {
            foreach (var writers in new[] { 1, 8, 32 })
            {
                var total = batch == 1 ? 3_200 : 32_000;
                var transactions = total / batch / writers;
                object[] Events() => [.. Enumerable.Range(0, batch).Select(n => (object)new BenchEvent(n, Payload))];
                var platformRate = await RateAsync(writers, transactions, batch, async () =>
                {
                    await using var session = await sessions.OpenAsync(new EventMetadata(Guid.NewGuid(), Guid.NewGuid(), "bench", null), CancellationToken.None);
                    session.Events.StartStream(Guid.NewGuid(), Events());
                    await session.SaveChangesAsync(CancellationToken.None);
                });
                var martenRate = await RateAsync(writers, transactions, batch, async () =>
                {
                    await using var session = store.LightweightSession(Guid.NewGuid().ToString());
                    session.CorrelationId = "bench";
                    session.Events.StartStream(Guid.NewGuid(), Events());
                    await session.SaveChangesAsync();
                });
                var rawRate = await RateAsync(writers, transactions, batch, () => batch == 1 ? InsertRawAsync(db) : CopyRawAsync(db, batch));
                Console.WriteLine($"{(batch == 1 ? "1 event per transaction" : $"{batch} events per transaction"),-30} {writers,8} {total,8} {platformRate,14:0} {martenRate,12:0} {rawRate,12:0} {platformRate / rawRate,15:0.00}");
            }
        }
    }

    private static async Task<double> RateAsync(int writers, int transactionsPerWriter, int batch, Func<Task> transaction)
    {
        await transaction(); // warm-up
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < transactionsPerWriter; i++)
            {
                await transaction();
            }
        })));
        return writers * transactionsPerWriter * batch / clock.Elapsed.TotalSeconds;
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
