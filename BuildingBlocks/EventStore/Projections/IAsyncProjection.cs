using Npgsql;

namespace Platform.EventStore.Projections;

/// <summary>
/// A read model fed by a checkpointed subscription to the global order. A batch and the checkpoint commit in one
/// transaction; handlers must still be idempotent (upserts), because a rebuild replays everything from zero.
/// </summary>
public interface IAsyncProjection
{
    string Name { get; }

    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken);

    /// <summary>Empties the read model before a rebuild (same transaction as the checkpoint reset).</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}
