using JasperFx.Events;
using JasperFx.MultiTenancy;
using Marten;

namespace Platform.EventStore;

/// <summary>
/// The settings every Marten event store of the platform takes (issue 13 moves the workspaces service onto them; the
/// event-sourcing suite proves the daemon skips nothing under them). Guid streams with the tenant on every stream and
/// event; correlation, causation and headers on every event; Quick append with the stream row locked before a sequence
/// number is taken, so a loser of an optimistic-concurrency race leaves no gap; and a daemon that skips a gap in the
/// sequence only when Postgres shows that no live transaction can still fill it (transaction evidence, never a plain
/// timeout), with every skip recorded in mt_high_water_skips.
/// </summary>
public static class MartenEventStore
{
    public static void Configure(StoreOptions options, string schema)
    {
        options.DatabaseSchemaName = schema;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.TenancyStyle = TenancyStyle.Conjoined;
        options.Events.AppendMode = EventAppendMode.Quick;
        options.Events.UseExclusiveLockOnConcurrentAppends = true;
        options.Events.EnableAdvancedAsyncTracking = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        // How long a gap must stay open before the daemon asks Postgres whether anything can still fill it.
        options.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(500);
        options.Projections.UseTransactionEvidenceForGapSkipping = true;
        options.Projections.SkipStaleGapsDespiteLiveTransactionsAfter = null;
    }
}
