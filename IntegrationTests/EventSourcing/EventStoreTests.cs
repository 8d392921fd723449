using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Platform.Messaging.Outbox;

namespace Platform.IntegrationTests.EventSourcing;

/// <summary>
/// The platform's unit of work on Marten (<see cref="Platform.EventStore.TenantSession"/>) against the graph's real
/// Postgres, in a database of its own: metadata, optimistic concurrency without sequence gaps, the outbox in the same
/// transaction, row-level security under Marten's tables, and upcasting of an old event shape.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "eventsourcing")]
public sealed class EventStoreTests(PlatformFixture platform)
{
    [Fact]
    public async Task Appended_events_read_back_in_order_with_tenant_user_correlation_and_causation()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        await db.StartCounterAsync(tenant, id, new Incremented(1), new Incremented(2));

        await using (var session = await db.SessionAsync(tenant))
        {
            var stream = await session.Events.FetchForWriting<Counter>(id, 2, CancellationToken.None);
            stream.AppendMany(new Incremented(3), new Incremented(4), new Incremented(5));
            await session.SaveChangesAsync(CancellationToken.None);
        }

        await using var read = await db.SessionAsync(tenant);
        var events = await read.Events.FetchStreamAsync(id, fromVersion: 2, token: CancellationToken.None);
        Assert.Equal([2L, 3, 4, 5], events.Select(e => e.Version));
        Assert.Equal([2, 3, 4, 5], events.Select(e => ((Incremented)e.Data).By));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "sequence numbers increase along the stream");
        Assert.All(events, e =>
        {
            Assert.Equal(tenant.ToString(), e.TenantId);
            Assert.Equal("test-correlation", e.CorrelationId);
            Assert.True(Guid.TryParse(e.CausationId, out _), "causation id stored");
            Assert.True(Guid.TryParse(e.UserName, out _), "user id stored");
            Assert.Equal("incremented", e.EventTypeName);
        });
        Assert.Equal(15, (await read.Session.LoadAsync<Counter>(id))!.Total);
    }

    [Fact]
    public async Task A_stale_expected_version_is_a_typed_conflict_that_writes_nothing_and_leaves_no_sequence_gap()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        await db.StartCounterAsync(tenant, id, new Incremented(1));

        await using var first = await db.SessionAsync(tenant);
        await using var second = await db.SessionAsync(tenant);
        (await first.Events.FetchForWriting<Counter>(id, CancellationToken.None)).AppendOne(new Incremented(10));
        (await second.Events.FetchForWriting<Counter>(id, CancellationToken.None)).AppendOne(new Incremented(100));
        second.Publish(OutboxMessage.Create("topic", id.ToString(), "lost", new { }, null, null));
        await first.SaveChangesAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() => second.SaveChangesAsync(CancellationToken.None)).ContinueWith(t => Assert.True(
            t.Result is ConcurrencyException or EventStreamUnexpectedMaxEventIdException, $"a concurrency exception, not {t.Result.GetType().Name}"));

        await using (var again = await db.SessionAsync(tenant))
        {
            await Assert.ThrowsAsync<ConcurrencyException>(() => again.Events.FetchForWriting<Counter>(id, 1, CancellationToken.None));
            again.Events.StartStream<Counter>(id, new Incremented(5));
            await Assert.ThrowsAnyAsync<Exception>(() => again.SaveChangesAsync(CancellationToken.None)).ContinueWith(t => Assert.True(
                t.Result is ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException, $"a stream id collision, not {t.Result.GetType().Name}"));
        }

        await using var read = await db.SessionAsync(tenant);
        var state = await read.Events.FetchStreamStateAsync(id);
        Assert.Equal(2L, state!.Version);
        Assert.Equal(11, (await read.Session.LoadAsync<Counter>(id))!.Total);
        Assert.Equal(0L, await db.ScalarAsync("SELECT count(*) FROM outbox_messages"));
        // The losers took no sequence number: the store's sequence stands at its number of events, so the daemon's
        // high-water mark has no gap to wait on.
        Assert.Equal(2L, await db.ScalarAsync("SELECT count(*) FROM mt_events"));
        Assert.Equal(2L, await db.ScalarAsync("SELECT last_value FROM mt_events_sequence"));
    }

    [Fact]
    public async Task The_outbox_commits_with_the_events_or_not_at_all()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var kept = Guid.NewGuid();
        var dropped = Guid.NewGuid();
        await using (var session = await db.SessionAsync(tenant))
        {
            session.Events.StartStream<Counter>(dropped, new Incremented(1));
            session.Publish(OutboxMessage.Create("topic", dropped.ToString(), "counter-started", new { id = dropped }, null, null));
            // disposed without saving: rolled back
        }

        await using (var session = await db.SessionAsync(tenant))
        {
            session.Events.StartStream<Counter>(kept, new Incremented(1));
            session.Publish(OutboxMessage.Create("topic", kept.ToString(), "counter-started", new { id = kept }, null, null));
            await session.SaveChangesAsync(CancellationToken.None);
        }

        Assert.Equal(1L, await db.ScalarAsync($"SELECT count(*) FROM mt_streams WHERE id = '{kept}'"));
        Assert.Equal(1L, await db.ScalarAsync($"SELECT count(*) FROM outbox_messages WHERE key = '{kept}'"));
        Assert.Equal(0L, await db.ScalarAsync($"SELECT count(*) FROM mt_streams WHERE id = '{dropped}'"));
        Assert.Equal(0L, await db.ScalarAsync($"SELECT count(*) FROM outbox_messages WHERE key = '{dropped}'"));
    }

    [Fact]
    public async Task A_tenant_session_cannot_see_another_tenants_stream_even_with_raw_sql()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        var aliceStream = Guid.NewGuid();
        await db.StartCounterAsync(alice, aliceStream, new Incremented(1), new Incremented(2));
        await db.StartCounterAsync(bob, Guid.NewGuid(), new Incremented(7));

        await using var session = await db.SessionAsync(bob);
        Assert.Null(await session.Events.FetchStreamStateAsync(aliceStream));
        Assert.Null(await session.Session.LoadAsync<Counter>(aliceStream));
        // Below Marten's own tenant filter, row-level security: raw SQL in the session's transaction sees Bob's rows only.
        foreach (var table in (string[])["mt_events", "mt_streams", "mt_doc_counter"])
        {
            await using var count = session.Command($"SELECT count(*) FILTER (WHERE tenant_id = '{alice}'), count(*) FROM {table}");
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal((0L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
        }

        await using var forged = session.Command("UPDATE mt_events SET data = '{}' WHERE stream_id = $1", aliceStream);
        Assert.Equal(0, await forged.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task An_event_stored_in_its_old_shape_is_upcast_when_read()
    {
        await using var db = await EventStoreDatabase.CreateAsync(platform);
        var tenant = Guid.NewGuid();
        var id = Guid.NewGuid();
        using (var legacy = db.LegacyStore())
        {
            var options = SessionOptions.ForConnection(await db.DataSource.OpenConnectionAsync());
            options.TenantId = tenant.ToString();
            await using var v1 = legacy.LightweightSession(options);
            await using var connection = options.Connection!;
            v1.Events.StartStream<Counter>(id, new Incremented(1), new CounterRenamedV1("legacy name"));
            await v1.SaveChangesAsync();
        }

        await using var read = await db.SessionAsync(tenant);
        var events = await read.Events.FetchStreamAsync(id);
        Assert.Equal("counter-renamed", events[1].EventTypeName);
        Assert.Equal(new CounterRenamed("legacy name"), events[1].Data);
        Assert.Equal("legacy name", (await read.Events.AggregateStreamAsync<Counter>(id))!.Name);
    }
}
