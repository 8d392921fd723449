using Marten;
using Marten.Events;
using Marten.Services;
using Npgsql;
using Platform.Messaging.Outbox;
using Platform.Postgres;

namespace Platform.EventStore;

/// <summary>Opens <see cref="TenantSession"/>s: Marten sessions inside the platform's tenant transaction.</summary>
public sealed class TenantSessions(IDocumentStore store, NpgsqlDataSource db)
{
    public IDocumentStore Store => store;

    public async Task<TenantSession> OpenAsync(EventMetadata metadata, CancellationToken cancellationToken)
    {
        var scope = await TenantTransaction.BeginAsync(db, metadata.TenantId, cancellationToken);
        var options = SessionOptions.ForTransaction(scope.Transaction);
        options.TenantId = metadata.TenantId.ToString();
        var session = store.LightweightSession(options);
        session.CorrelationId = metadata.CorrelationId;
        session.CausationId = metadata.CausationId?.ToString();
        session.LastModifiedBy = metadata.UserId?.ToString();
        return new TenantSession(scope, session, metadata);
    }
}

/// <summary>
/// What Marten lacks: one unit of work in which a Marten session (events, inline projections), the saga's claim and the
/// outbox share the tenant transaction (row-level security as the tenant role), and commit or roll back together.
/// Disposing without <see cref="SaveChangesAsync"/> rolls everything back.
/// </summary>
public sealed class TenantSession : IAsyncDisposable
{
    private readonly TenantTransaction _scope;
    private readonly List<OutboxMessage> _outbox = [];

    internal TenantSession(TenantTransaction scope, IDocumentSession session, EventMetadata metadata)
    {
        _scope = scope;
        Session = session;
        Metadata = metadata;
    }

    public IDocumentSession Session { get; }

    public IEventStoreOperations Events => Session.Events;

    public EventMetadata Metadata { get; }

    public NpgsqlConnection Connection => _scope.Connection;

    public NpgsqlTransaction Transaction => _scope.Transaction;

    /// <summary>A command in this session's transaction (tenant-scoped: row-level security applies).</summary>
    public NpgsqlCommand Command(string sql, params object[] parameters) => _scope.Command(sql, parameters);

    /// <summary>Queues an integration message; it reaches the outbox only if this session commits.</summary>
    public void Publish(OutboxMessage message) => _outbox.Add(message);

    /// <summary>
    /// Erases a stream's events and stream row in this transaction (Marten's DeleteSingleEventStream runs on a connection
    /// of its own). For the two cases where a stream must not survive: compensating a creation nobody has seen (a failed
    /// saga) and erasure on request; the caller deletes what projections built from it in the same session.
    /// Returns how many events were erased.
    /// </summary>
    public async Task<int> PurgeStreamAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var purge = Command(
            "WITH events AS (DELETE FROM mt_events WHERE stream_id = $1 RETURNING 1), stream AS (DELETE FROM mt_streams WHERE id = $1) SELECT count(*) FROM events", id);
        return (int)(long)(await purge.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Events and inline projections (Marten), then the outbox, then commit: all or nothing.</summary>
    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        await Session.SaveChangesAsync(cancellationToken);
        await Outbox.WriteAsync(Connection, Transaction, _outbox, cancellationToken);
        await _scope.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        await _scope.DisposeAsync();
    }
}
