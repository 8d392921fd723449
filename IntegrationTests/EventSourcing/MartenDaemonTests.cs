using System.Collections.Concurrent;
using System.Diagnostics;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Marten.Events.Projections;
using Marten.Services;
using Npgsql;
using Platform.EventStore;
using Platform.Hosting.Postgres;

namespace Platform.IntegrationTests.EventSourcing;

/// <summary>
/// Marten's async daemon under the platform's settings (<see cref="MartenEventStore"/>), on the graph's Postgres: it
/// must hand every committed event to an async projection exactly once while many writers commit out of sequence order
/// and some roll back (JasperFx/marten#3321 and #4952 are reports of a daemon skipping events under such load).
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "eventsourcing")]
public sealed class MartenDaemonTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Writers = 32;
    private const int Events = 100_000;

    [Fact]
    public async Task The_daemon_skips_and_repeats_no_committed_event_under_32_writers_with_rollbacks()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await platform.App.CreateScratchDatabaseAsync("postgres", "marten_daemon")) { MaxPoolSize = 100 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var seen = dataSource.CreateCommand("CREATE TABLE seen (event_id uuid PRIMARY KEY, seq_id bigint NOT NULL, hits int NOT NULL)"))
        {
            await seen.ExecuteNonQueryAsync();
        }

        using var store = DocumentStore.For(options =>
        {
            options.Connection(dataSource);
            MartenEventStore.Configure(options, "stress");
            options.AutoCreateSchemaObjects = AutoCreate.All;
            options.Projections.Add(new SeenProjection(), ProjectionLifecycle.Async);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();

        var committed = new ConcurrentDictionary<Guid, bool>();
        var appended = 0;
        var rolledBack = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var tenant = Guid.NewGuid().ToString();
            while (Volatile.Read(ref appended) < Events)
            {
                var batch = Enumerable.Range(0, random.Next(1, 6)).Select(_ => new Counted(Guid.NewGuid())).ToList();
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                var options = SessionOptions.ForTransaction(transaction);
                options.TenantId = tenant;
                await using (var session = store.LightweightSession(options))
                {
                    session.Events.StartStream(Guid.NewGuid(), batch.Cast<object>().ToArray());
                    await session.SaveChangesAsync();
                }

                // Hold the transaction a little (commits land out of sequence order), and roll back one in ten.
                await Task.Delay(random.Next(0, 4));
                if (random.Next(10) == 0)
                {
                    await transaction.RollbackAsync();
                    Interlocked.Increment(ref rolledBack);
                    continue;
                }

                await transaction.CommitAsync();
                foreach (var e in batch)
                {
                    committed[e.Id] = true;
                }

                Interlocked.Add(ref appended, batch.Count);
            }
        })));
        var written = clock.Elapsed;

        await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(3));
        var seenHits = new Dictionary<Guid, int>();
        await using (var read = dataSource.CreateCommand("SELECT event_id, hits FROM seen"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                seenHits[reader.GetGuid(0)] = reader.GetInt32(1);
            }
        }

        var skips = new List<string>();
        await using (var read = dataSource.CreateCommand("SELECT starting_sequence, ending_sequence FROM stress.mt_high_water_skips ORDER BY starting_sequence"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                skips.Add($"{reader.GetInt64(0)}-{reader.GetInt64(1)}");
            }
        }

        var skipped = committed.Keys.Count(id => !seenHits.ContainsKey(id));
        var duplicated = seenHits.Values.Count(hits => hits > 1);
        var phantom = seenHits.Keys.Count(id => !committed.ContainsKey(id));
        output.WriteLine($"{committed.Count} events committed by {Writers} writers in {written.TotalSeconds:0.0} s ({rolledBack} transactions rolled back); " +
                         $"projected {seenHits.Count} by {clock.Elapsed.TotalSeconds:0.0} s; skipped {skipped}, duplicated {duplicated}, from rolled-back transactions {phantom}; " +
                         $"high-water mark moves past stale gaps (mt_high_water_skips): {(skips.Count == 0 ? "none" : string.Join(", ", skips))}");
        Assert.True(committed.Count >= Events, $"only {committed.Count} events were committed");
        Assert.True(rolledBack > 0, "some transactions rolled back, leaving gaps in the sequence");
        Assert.Equal((0, 0, 0), (skipped, duplicated, phantom));
    }

    private sealed record Counted(Guid Id);

    /// <summary>Records each event it is given, and how many times.</summary>
    private sealed class SeenProjection : EventProjection
    {
        public SeenProjection() => IncludeType<Counted>();

        public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
        {
            operations.QueueSqlCommand(
                "INSERT INTO seen (event_id, seq_id, hits) VALUES (?, ?, 1) ON CONFLICT (event_id) DO UPDATE SET hits = seen.hits + 1",
                ((Counted)e.Data).Id, e.Sequence);
            return ValueTask.CompletedTask;
        }
    }
}
