using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Npgsql;
using Platform.EventStore;
using Platform.Hosting.Postgres;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.IntegrationTests.EventSourcing;

public sealed record Incremented(int By);

/// <summary>v2 (stored as "counter-renamed.v2") renamed <c>title</c> to <c>name</c>.</summary>
public sealed record CounterRenamed(string Name);

/// <summary>v1, as stored under "counter-renamed".</summary>
public sealed record CounterRenamedV1(string Title);

/// <summary>The aggregate of the store's own tests, snapshotted inline as a document.</summary>
public sealed class Counter
{
    public Guid Id { get; set; }

    public int Total { get; set; }

    public string Name { get; set; } = "";

    public List<int> Steps { get; set; } = [];
}

internal sealed class CounterSnapshot : SingleStreamProjection<Counter, Guid>
{
    public override Counter Evolve(Counter? snapshot, Guid id, IEvent e)
    {
        snapshot ??= new Counter { Id = id };
        switch (e.Data)
        {
            case Incremented i:
                snapshot.Total += i.By;
                snapshot.Steps.Add(i.By);
                break;
            case CounterRenamed r:
                snapshot.Name = r.Name;
                break;
        }

        return snapshot;
    }
}

/// <summary>
/// A fresh database on the graph's Postgres with the platform's Marten settings, the tenant role, the outbox and
/// row-level security over Marten's tables, as a service sets them up: for tests of the unit of work itself.
/// </summary>
public sealed class EventStoreDatabase : IAsyncDisposable
{
    private EventStoreDatabase(NpgsqlDataSource dataSource, DocumentStore store)
    {
        DataSource = dataSource;
        Store = store;
        Sessions = new TenantSessions(store, dataSource);
    }

    public NpgsqlDataSource DataSource { get; }

    public DocumentStore Store { get; }

    public TenantSessions Sessions { get; }

    public static async Task<EventStoreDatabase> CreateAsync(PlatformFixture platform)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await platform.App.CreateScratchDatabaseAsync("postgres", "es_test")) { MaxPoolSize = 100 };
        var dataSource = NpgsqlDataSource.Create(connectionString.ConnectionString);
        var store = Configure(dataSource, legacy: false);
        await SchemaMigrator.MigrateAsync(dataSource, [OutboxSchema.Sql + OutboxSchema.SchedulingSql, MartenEventStore.IsolationSql("mt_doc_counter")],
            first: () => MartenEventStore.ApplySchemaAsync(store));
        return new EventStoreDatabase(dataSource, store);
    }

    /// <summary>A store as a v1 writer had it: <see cref="CounterRenamedV1"/> under the name "counter-renamed".</summary>
    public DocumentStore LegacyStore() => Configure(DataSource, legacy: true);

    private static DocumentStore Configure(NpgsqlDataSource dataSource, bool legacy) => DocumentStore.For(options =>
    {
        options.Connection(dataSource);
        MartenEventStore.Configure(options, "public");
        options.Events.MapEventType<Incremented>("incremented");
        if (legacy)
        {
            options.Events.MapEventType<CounterRenamedV1>("counter-renamed");
        }
        else
        {
            options.Events.MapEventType<CounterRenamed>("counter-renamed.v2");
            options.Events.Upcast<CounterRenamedV1, CounterRenamed>("counter-renamed", v1 => new CounterRenamed(v1.Title));
        }

        MartenEventStore.IsolateDocument<Counter>(options);
        options.Projections.Add(new CounterSnapshot(), JasperFx.Events.Projections.ProjectionLifecycle.Inline);
    });

    public Task<TenantSession> SessionAsync(Guid tenantId) => Sessions.OpenAsync(new EventMetadata(tenantId, Guid.NewGuid(), "test-correlation", Guid.NewGuid()), CancellationToken.None);

    /// <summary>Starts a counter stream with <paramref name="events"/> in a session of its own (committed).</summary>
    public async Task StartCounterAsync(Guid tenantId, Guid id, params object[] events)
    {
        await using var session = await SessionAsync(tenantId);
        session.Events.StartStream<Counter>(id, events);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await DataSource.DisposeAsync();
    }
}
