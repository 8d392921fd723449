using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using Platform.EventStore;

namespace Platform.IntegrationTests.EventSourcing;

/// <summary>The event store against the graph's real Postgres, in a database of its own.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "eventsourcing")]
public sealed class EventStoreTests(PlatformFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task Appended_events_read_back_forwards_and_backwards_with_their_metadata()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        await db.StartCounterAsync(tenant, id, new Incremented(1), new Incremented(2));

        await using (var session = await db.SessionAsync(tenant))
        {
            session.Append(id, 2, [new Incremented(3), new Incremented(4), new Incremented(5)]);
            await session.SaveChangesAsync(CancellationToken.None);
        }

        await using var read = await db.SessionAsync(tenant);
        var forwards = await read.ReadStreamAsync(id, 2, 10, backwards: false, CancellationToken.None);
        Assert.Equal([2L, 3, 4, 5], forwards.Select(e => e.Version));
        Assert.Equal([2, 3, 4, 5], forwards.Select(e => ((Incremented)e.Data).By));
        var backwards = await read.ReadStreamAsync(id, 4, 2, backwards: true, CancellationToken.None);
        Assert.Equal([4L, 3], backwards.Select(e => e.Version));
        Assert.All(forwards, e =>
        {
            Assert.Equal(tenant, e.TenantId);
            Assert.Equal("test-correlation", e.CorrelationId);
            Assert.Equal("incremented", e.Type);
            Assert.Equal(1, e.SchemaVersion);
            Assert.NotNull(e.UserId);
        });
        var all = await db.Store.ReadAllAsync(GlobalPosition.Start, 100, CancellationToken.None);
        Assert.Equal(5, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Position < p.Second.Position));
        Assert.Equal(15, (await read.AggregateStreamAsync<Counter>(id, CancellationToken.None))!.Value.Aggregate.Total);
    }

    [Fact]
    public async Task A_stale_expected_version_is_a_typed_conflict_and_writes_nothing()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        await db.StartCounterAsync(tenant, id, new Incremented(1));

        await using var first = await db.SessionAsync(tenant);
        await using var second = await db.SessionAsync(tenant);
        var a = (await first.FetchForWritingAsync<Counter>(id, null, CancellationToken.None))!;
        var b = (await second.FetchForWritingAsync<Counter>(id, null, CancellationToken.None))!;
        a.Append(new Incremented(10));
        b.Append(new Incremented(100));
        await first.SaveChangesAsync(CancellationToken.None);
        var conflict = await Assert.ThrowsAsync<StreamConflictException>(() => second.SaveChangesAsync(CancellationToken.None));
        Assert.Equal((1L, 2L), (conflict.ExpectedVersion!.Value, conflict.ActualVersion!.Value));

        await using (var again = await db.SessionAsync(tenant))
        {
            await Assert.ThrowsAsync<StreamConflictException>(() => again.FetchForWritingAsync<Counter>(id, expectedVersion: 1, CancellationToken.None));
            again.StartStream<Counter>(id, new Incremented(5));
            await Assert.ThrowsAsync<StreamConflictException>(() => again.SaveChangesAsync(CancellationToken.None));
        }

        await using var read = await db.SessionAsync(tenant);
        var (counter, version) = (await read.AggregateStreamAsync<Counter>(id, CancellationToken.None))!.Value;
        Assert.Equal((11, 2L), (counter.Total, version));
    }

    [Fact]
    public async Task Loading_from_a_snapshot_gives_the_same_state_as_replaying_every_event()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform, snapshotEvery: 10);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        await db.StartCounterAsync(tenant, id, new Incremented(1), new CounterRenamed("start"));

        for (var i = 0; i < 11; i++)
        {
            await using var session = await db.SessionAsync(tenant);
            var stream = (await session.FetchForWritingAsync<Counter>(id, null, CancellationToken.None))!;
            stream.Append(new Incremented(i), new Incremented(i * 2), new CounterRenamed($"step {i}"));
            await session.SaveChangesAsync(CancellationToken.None);
        }

        await using var check = await db.DataSource.OpenConnectionAsync();
        await using (var snapshot = new NpgsqlCommand("SELECT version FROM es_snapshots WHERE stream_id = $1", check) { Parameters = { new() { Value = id } } })
        {
            Assert.Equal(32L, (long?)await snapshot.ExecuteScalarAsync()); // versions 2, 5, ..., 29, 32, 35: the save that crosses 30 snapshots at 32
        }

        await using var read = await db.SessionAsync(tenant);
        var fromSnapshot = (await read.AggregateStreamAsync<Counter>(id, CancellationToken.None))!.Value;
        await using (var drop = new NpgsqlCommand("DELETE FROM es_snapshots", check))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var replayed = (await read.AggregateStreamAsync<Counter>(id, CancellationToken.None))!.Value;
        Assert.Equal(35L, fromSnapshot.Version);
        Assert.Equal(replayed.Version, fromSnapshot.Version);
        Assert.Equal(replayed.Aggregate.Total, fromSnapshot.Aggregate.Total);
        Assert.Equal(replayed.Aggregate.Name, fromSnapshot.Aggregate.Name);
        Assert.Equal(replayed.Aggregate.Steps, fromSnapshot.Aggregate.Steps);
        Assert.Equal("step 10", fromSnapshot.Aggregate.Name);
    }

    [Fact]
    public async Task An_event_stored_at_an_old_schema_version_is_upcast_when_read()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        await db.StartCounterAsync(tenant, id, new Incremented(1));

        // What a v1 writer stored: {"title": ...} at schema version 1.
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        await using (var insert = new NpgsqlCommand(
            """
            UPDATE es_streams SET version = 2 WHERE id = $1;
            """, connection) { Parameters = { new() { Value = id } } })
        {
            await insert.ExecuteNonQueryAsync();
            await using var v1 = new NpgsqlCommand(
                "INSERT INTO es_events (id, stream_id, version, tenant_id, type, schema_version, data, timestamp) VALUES ($1, $2, 2, $3, 'counter-renamed', 1, '{\"title\":\"legacy name\"}', now())",
                connection) { Parameters = { new() { Value = Guid.NewGuid() }, new() { Value = id }, new() { Value = tenant } } };
            await v1.ExecuteNonQueryAsync();
        }

        await using var read = await db.SessionAsync(tenant);
        var events = await read.ReadStreamAsync(id, 2, 1, backwards: false, CancellationToken.None);
        Assert.Equal(new CounterRenamed("legacy name"), events.Single().Data);
        Assert.Equal(1, events.Single().SchemaVersion);
        Assert.Equal("legacy name", (await read.AggregateStreamAsync<Counter>(id, CancellationToken.None))!.Value.Aggregate.Name);
    }

    /// <summary>
    /// Many writers hold their transactions open for random times (so commits land out of sequence order) and some
    /// roll back, while a subscriber follows the global order. It must see every committed event exactly once. A naive
    /// "sequence > last seen" reader runs alongside to show what the guarantee protects against.
    /// </summary>
    [Fact]
    public async Task A_subscriber_never_skips_an_event_under_many_concurrent_writers()
    {
        const int writers = 32;
        const int transactionsPerWriter = 40;
        await using var db = await EventStoreDatabase.CreateAsync(platform, inlineProjections: [new HoldOpenProjection()]);
        var committed = new ConcurrentDictionary<Guid, bool>();
        using var writing = new CancellationTokenSource();
        var subscriberSeen = new List<StoredEvent>();
        var naiveSeen = new HashSet<Guid>();

        var subscriber = Task.Run(async () =>
        {
            var position = GlobalPosition.Start;
            var idleAfterWriters = 0;
            while (idleAfterWriters < 3)
            {
                var batch = await db.Store.ReadAllAsync(position, 200, CancellationToken.None);
                subscriberSeen.AddRange(batch);
                if (batch.Count > 0)
                {
                    position = batch[^1].Position;
                }
                else if (writing.IsCancellationRequested)
                {
                    idleAfterWriters++;
                }
            }
        });
        var naive = Task.Run(async () =>
        {
            long last = 0;
            var idleAfterWriters = 0;
            while (idleAfterWriters < 3)
            {
                await using var select = db.DataSource.CreateCommand("SELECT id, sequence FROM es_events WHERE sequence > $1 ORDER BY sequence LIMIT 200");
                select.Parameters.Add(new() { Value = last });
                await using var reader = await select.ExecuteReaderAsync();
                var any = false;
                while (await reader.ReadAsync())
                {
                    naiveSeen.Add(reader.GetGuid(0));
                    last = reader.GetInt64(1);
                    any = true;
                }

                idleAfterWriters += !any && writing.IsCancellationRequested ? 1 : 0;
            }
        });

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var tenant = Guid.NewGuid();
            for (var t = 0; t < transactionsPerWriter; t++)
            {
                await using var session = await db.SessionAsync(tenant);
                session.StartStream<Counter>(Guid.NewGuid(), [.. Enumerable.Range(1, random.Next(1, 4)).Select(i => (object)new Incremented(i))]);
                try
                {
                    foreach (var e in await session.SaveChangesAsync(CancellationToken.None))
                    {
                        committed[e.EventId] = true;
                    }
                }
                catch (InvalidOperationException e) when (e.Message == HoldOpenProjection.Rollback)
                {
                    // rolled back on purpose: these events must never be seen
                }
            }
        })));
        var elapsed = clock.Elapsed;
        await writing.CancelAsync();
        await Task.WhenAll(subscriber, naive);

        var seenIds = subscriberSeen.Select(e => e.EventId).ToList();
        var skipped = committed.Keys.Count(id => !seenIds.Contains(id));
        var naiveSkipped = committed.Keys.Count(id => !naiveSeen.Contains(id));
        output.WriteLine($"writers={writers} transactions={writers * transactionsPerWriter} committed events={committed.Count} in {elapsed.TotalSeconds:0.0} s; subscriber saw {seenIds.Count}, skipped={skipped}, duplicates={seenIds.Count - seenIds.Distinct().Count()}; naive sequence reader skipped={naiveSkipped}");
        Assert.Equal(0, skipped);
        Assert.Equal(seenIds.Count, seenIds.Distinct().Count());
        Assert.Equal(committed.Count, seenIds.Count);
        Assert.True(subscriberSeen.Zip(subscriberSeen.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions strictly increase");
    }

    /// <summary>Runs inside each append transaction: holds it open 0-3 ms (so later sequences commit first) and aborts one in ten.</summary>
    private sealed class HoldOpenProjection : EventStore.Projections.IInlineProjection
    {
        public const string Rollback = "deliberate rollback";

        public async Task ApplyAsync(EventSession session, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
        {
            await Task.Delay(Random.Shared.Next(0, 4), cancellationToken);
            if (Random.Shared.Next(10) == 0)
            {
                throw new InvalidOperationException(Rollback);
            }
        }
    }
}
