using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.MultiTenancy;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Postgres;
using Weasel.Core;

namespace Platform.EventStore;

/// <summary>
/// The settings every Marten event store of the platform takes. Guid streams with the tenant on every stream, event and
/// document (conjoined tenancy); user, correlation, causation and headers on every event; System.Text.Json in camelCase;
/// Quick append with the stream row locked before a sequence number is taken, so a loser of an optimistic-concurrency
/// race leaves no gap; and a daemon that skips a gap in the sequence only when Postgres shows that no live transaction
/// can still fill it (transaction evidence, never a plain timeout), with every skip recorded in mt_high_water_skips;
/// the daemon is woken by a notification from each commit that appended events.
/// </summary>
public static class MartenEventStore
{
    /// <summary>Marten's own tables of the event store, put under the platform's row-level security after Marten creates them.</summary>
    public static readonly IReadOnlyList<string> EventTables = ["mt_streams", "mt_events"];

    public static void Configure(StoreOptions options, string schema)
    {
        options.DatabaseSchemaName = schema;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        options.Policies.AllDocumentsAreMultiTenanted();
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.TenancyStyle = TenancyStyle.Conjoined;
        options.Events.AppendMode = EventAppendMode.Quick;
        options.Events.UseExclusiveLockOnConcurrentAppends = true;
        options.Events.EnableAdvancedAsyncTracking = true;
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        // How long a gap must stay open before the daemon asks Postgres whether anything can still fill it.
        options.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(500);
        options.Projections.UseTransactionEvidenceForGapSkipping = true;
        options.Projections.SkipStaleGapsDespiteLiveTransactionsAfter = null;
        // A commit that appended events notifies the daemon (LISTEN/NOTIFY), which looks at once instead of at its next
        // poll; polling stays as the safety net for a lost notification.
        options.Events.UseListenNotifyForEventAppends = true;
        // The schema is applied once at startup (see ApplySchemaAsync); sessions never run DDL.
        options.AutoCreateSchemaObjects = AutoCreate.None;
    }

    /// <summary>
    /// Marten on the service's NpgsqlDataSource with the platform's settings, <see cref="TenantSessions"/>, and the async
    /// daemon in hot/cold mode: of a service's replicas one runs the async projections, another takes over if it dies;
    /// <see cref="ProjectionRebuilds"/> runs the rebuilds asked for (its table is in <see cref="IsolationSql"/>).
    /// </summary>
    /// <param name="workerDataSource">
    /// The key of the service's worker data source (<see cref="PostgresRoles.Worker"/>): Marten's own connections (its
    /// schema, the daemon) work across tenants; sessions run in the caller's tenant transaction instead.
    /// </param>
    public static IHostApplicationBuilder AddPlatformEventStore(this IHostApplicationBuilder builder, string workerDataSource, Action<StoreOptions> configure)
    {
        builder.Services.AddMarten(options =>
            {
                Configure(options, "public");
                configure(options);
            })
            .UseNpgsqlDataSource(workerDataSource)
            .AddAsyncDaemon(DaemonMode.HotCold);
        builder.Services.AddSingleton<TenantSessions>();
        builder.Services.AddHostedService<ProjectionRebuilds>();
        return builder;
    }

    /// <summary>
    /// Creates or updates Marten's schema objects (run once at startup, before the service's own migrations, which put
    /// <see cref="EventTables"/> and the documents under row-level security with <see cref="IsolationSql"/>).
    /// </summary>
    public static Task ApplySchemaAsync(IDocumentStore store)
        => store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate);

    /// <summary>
    /// A conjoined document under row-level security. Marten owns the policy on document tables (it would disable any
    /// policy of ours when it next applies its schema); it keys it on the same setting the tenant transaction sets.
    /// </summary>
    public static void IsolateDocument<T>(StoreOptions options)
        => options.Schema.For<T>().MultiTenanted().UseRowLevelSecurity(TenantTransaction.TenantSetting);

    /// <summary>
    /// Row-level security on Marten's event tables (their tenant_id is text), the tenant role's grants for sessions on
    /// them and on the documents (isolated by <see cref="IsolateDocument{T}"/>), and the rebuild requests.
    /// </summary>
    public static string IsolationSql(params string[] documentTables)
        => string.Concat(EventTables.Select(t => TenantTransaction.IsolateTableSql(t, "text")))
           + string.Concat(documentTables.Select(t => $"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {PostgresRoles.Tenant};"))
           + $"GRANT USAGE ON SEQUENCE mt_events_sequence TO {PostgresRoles.Tenant};"
           + ProjectionRebuilds.Sql;
}
