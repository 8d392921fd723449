using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Platform.EventStore.Projections;

public sealed record ProjectionStatus(string Name, string Position, double LagSeconds, DateTimeOffset? RebuiltAt);

/// <summary>
/// Runs the async projections: each reads the global order after its checkpoint and applies batches. Any number of
/// replicas may run it; a transaction-scoped advisory lock per projection lets one of them advance it at a time.
/// A rebuild is requested by stamping <c>rebuild_requested_at</c> (see <see cref="RequestRebuildAsync"/>): the daemon
/// empties the read model, resets the checkpoint and replays from zero.
/// </summary>
public sealed class ProjectionDaemon(NpgsqlDataSource db, EventStore store, IEnumerable<IAsyncProjection> projections, TimeProvider clock, ILogger<ProjectionDaemon> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private const int LockClass = 7235013;
    private static readonly Meter Meter = new("Platform.EventStore");
    private readonly IReadOnlyList<IAsyncProjection> _projections = projections.ToList();
    private readonly Dictionary<string, double> _lag = [];

    public IReadOnlyList<IAsyncProjection> Projections => _projections;

    /// <summary>Seconds between now and the newest event of the last batch applied (0 when caught up).</summary>
    public double LagSeconds(string name)
    {
        lock (_lag)
        {
            return _lag.GetValueOrDefault(name);
        }
    }

    public static async Task RequestRebuildAsync(NpgsqlDataSource db, string name, CancellationToken cancellationToken)
    {
        await using var request = db.CreateCommand(
            $"WITH requested AS (UPDATE es_projection_checkpoints SET rebuild_requested_at = now() WHERE name = $1 RETURNING 1) SELECT count(*) FROM requested, pg_notify('{EventStoreSchema.NotifyChannel}', '')");
        request.Parameters.Add(new() { Value = name });
        if ((long)(await request.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            throw new InvalidOperationException($"There is no projection named '{name}'.");
        }
    }

    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken cancellationToken)
    {
        await using var select = db.CreateCommand("SELECT name, transaction_id, sequence, rebuilt_at FROM es_projection_checkpoints ORDER BY name");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var status = new List<ProjectionStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            status.Add(new ProjectionStatus(name, new GlobalPosition(reader.GetFieldValue<ulong>(1), reader.GetInt64(2)).ToString(), LagSeconds(name),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return status;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var projection in _projections)
        {
            Meter.CreateObservableGauge($"platform.projection.lag", () => new Measurement<double>(LagSeconds(projection.Name), new KeyValuePair<string, object?>("projection", projection.Name)), "s");
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await db.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {EventStoreSchema.NotifyChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                await EnsureCheckpointsAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    var applied = 0;
                    foreach (var projection in _projections)
                    {
                        applied += await RunBatchAsync(projection, stoppingToken);
                    }

                    failures = 0;
                    if (applied == 0)
                    {
                        // Woken by the next append's NOTIFY; the timeout covers events held back by a then-running transaction.
                        await listener.WaitAsync(TimeSpan.FromMilliseconds(250), stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                logger.LogWarning("Projection daemon cannot reach its database ({Message}); retrying.", e.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 200 * failures)), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task EnsureCheckpointsAsync(CancellationToken cancellationToken)
    {
        await using var insert = db.CreateCommand("INSERT INTO es_projection_checkpoints (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING");
        insert.Parameters.Add(new() { Value = _projections.Select(p => p.Name).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Applies the next batch of one projection; returns the number of events applied (0 if idle or another replica has it).</summary>
    public async Task<int> RunBatchAsync(IAsyncProjection projection, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lease = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1, hashtext($2))", connection, transaction) { Parameters = { new() { Value = LockClass }, new() { Value = projection.Name } } })
        {
            if (!(bool)(await lease.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }

        GlobalPosition checkpoint;
        bool rebuild;
        await using (var select = new NpgsqlCommand("SELECT transaction_id, sequence, rebuild_requested_at IS NOT NULL FROM es_projection_checkpoints WHERE name = $1", connection, transaction) { Parameters = { new() { Value = projection.Name } } })
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            checkpoint = new GlobalPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
            rebuild = reader.GetBoolean(2);
        }

        if (rebuild)
        {
            await projection.ResetAsync(connection, transaction, cancellationToken);
            await SaveCheckpointAsync(connection, transaction, projection.Name, GlobalPosition.Start, ", rebuild_requested_at = NULL, rebuilt_at = now()", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Projection {Name} reset; replaying from the start.", projection.Name);
            return 1;
        }

        var events = await store.ReadAllAsync(connection, transaction, checkpoint, BatchSize, cancellationToken);
        if (events.Count == 0)
        {
            SetLag(projection.Name, 0);
            return 0;
        }

        await projection.ApplyAsync(connection, transaction, events, cancellationToken);
        await SaveCheckpointAsync(connection, transaction, projection.Name, events[^1].Position, "", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        SetLag(projection.Name, Math.Max(0, (clock.GetUtcNow() - events[^1].Timestamp).TotalSeconds));
        return events.Count;
    }

    private static async Task SaveCheckpointAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, GlobalPosition position, string extra, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand($"UPDATE es_projection_checkpoints SET transaction_id = $2, sequence = $3, updated_at = now(){extra} WHERE name = $1", connection, transaction)
        {
            Parameters = { new() { Value = name }, new() { Value = position.Transaction, NpgsqlDbType = NpgsqlDbType.Xid8 }, new() { Value = position.Sequence } },
        };
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    private void SetLag(string name, double seconds)
    {
        lock (_lag)
        {
            _lag[name] = seconds;
        }
    }
}
