using Platform.Hosting.Postgres;
using Npgsql;
using Platform.EventStore;
using Platform.EventStore.Projections;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.IntegrationTests.EventSourcing;

public sealed record Incremented(int By);

/// <summary>v2 renamed <c>title</c> to <c>name</c>.</summary>
public sealed record CounterRenamed(string Name);

/// <summary>The aggregate of the store's own tests.</summary>
public sealed class Counter : IAggregate
{
    public static string StreamType => "counter";

    public static int SnapshotVersion => 1;

    public int Total { get; set; }

    public string Name { get; set; } = "";

    public List<int> Steps { get; set; } = [];

    public void Apply(object domainEvent)
    {
        switch (domainEvent)
        {
            case Incremented e:
                Total += e.By;
                Steps.Add(e.By);
                break;
            case CounterRenamed e:
                Name = e.Name;
                break;
        }
    }
}

/// <summary>A fresh database on the graph's Postgres with the event store schema, for tests of the store itself.</summary>
public sealed class EventStoreDatabase : IAsyncDisposable
{
    private EventStoreDatabase(NpgsqlDataSource dataSource, EventStore.EventStore store)
    {
        DataSource = dataSource;
        Store = store;
    }

    public NpgsqlDataSource DataSource { get; }

    public EventStore.EventStore Store { get; }

    public static async Task<EventStoreDatabase> CreateAsync(PlatformFixture platform, int snapshotEvery = 100, IInlineProjection[]? inlineProjections = null)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await platform.App.CreateScratchDatabaseAsync("postgres", "es_test")) { MaxPoolSize = 100 };
        var dataSource = NpgsqlDataSource.Create(connectionString.ConnectionString);
        await SchemaMigrator.MigrateAsync(dataSource, [TenantTransaction.CreateRoleSql + EventStoreSchema.Sql + OutboxSchema.Sql]);
        var registry = new EventTypeRegistry()
            .Register<Incremented>("incremented")
            .Register<CounterRenamed>("counter-renamed", schemaVersion: 2)
            .Upcast("counter-renamed", 1, v1 => new System.Text.Json.Nodes.JsonObject { ["name"] = v1["title"]?.DeepClone() });
        var store = new EventStore.EventStore(dataSource, registry, new EventStoreOptions { SnapshotEvery = snapshotEvery }, inlineProjections ?? [], TimeProvider.System);
        return new EventStoreDatabase(dataSource, store);
    }

    public Task<EventSession> SessionAsync(Guid tenantId) => Store.OpenSessionAsync(new EventMetadata(tenantId, Guid.NewGuid(), "test-correlation", null), CancellationToken.None);

    /// <summary>Starts a counter stream with <paramref name="events"/> in a session of its own (committed).</summary>
    public async Task StartCounterAsync(Guid tenantId, Guid id, params object[] events)
    {
        await using var session = await SessionAsync(tenantId);
        session.StartStream<Counter>(id, events);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();
}
