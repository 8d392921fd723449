using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Resilience;

namespace Platform.EventStore;

/// <summary>
/// What Marten lacks for a service with replicas: a projection rebuild asked for from anywhere (an operator endpoint
/// on any replica, or one row of SQL) and run by the replica whose hot/cold daemon holds the projections, so two
/// replicas never run the same projection. The request is a row in projection_rebuilds; the holder rebuilds with
/// Marten's RebuildProjectionAsync and stamps rebuilt_at.
/// </summary>
public sealed class ProjectionRebuilds(NpgsqlDataSource db, IProjectionCoordinator coordinator, ILogger<ProjectionRebuilds> logger) : BackgroundService
{
    public const string Sql = "CREATE TABLE projection_rebuilds (name text PRIMARY KEY, requested_at timestamptz NOT NULL, rebuilt_at timestamptz);";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static async Task RequestAsync(NpgsqlDataSource db, string name, CancellationToken cancellationToken)
    {
        await using var request = db.CreateCommand(
            "INSERT INTO projection_rebuilds (name, requested_at) VALUES ($1, clock_timestamp()) ON CONFLICT (name) DO UPDATE SET requested_at = excluded.requested_at, rebuilt_at = NULL");
        request.Parameters.Add(new() { Value = name });
        await request.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Poll);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RebuildRequestedAsync(stoppingToken);
                }
                catch (Exception e) when (ResilienceRules.IsTransient(e))
                {
                    logger.LogWarning("Projection rebuild requests cannot be read ({Message}); retrying.", e.Message);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A rebuild that fails stays requested; it is tried again after a pause, and the service keeps running.
                    logger.LogError(e, "A projection rebuild failed; it stays requested.");
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RebuildRequestedAsync(CancellationToken cancellationToken)
    {
        var requests = new List<(string Name, DateTime RequestedAt)>();
        await using (var select = db.CreateCommand("SELECT name, requested_at FROM projection_rebuilds WHERE rebuilt_at IS NULL"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                requests.Add((reader.GetString(0), reader.GetDateTime(1)));
            }
        }

        if (requests.Count == 0)
        {
            return;
        }

        // Marten's rebuild takes no lock of its own: an async projection is rebuilt only by the replica whose daemon
        // holds its shard (else two replicas would write it at once); an inline one (no shard) by the replica that
        // wins a session lock on its name.
        var distributor = ((ProjectionCoordinatorBase)coordinator).Distributor!;
        var sets = await distributor.BuildDistributionAsync();
        var held = sets.Where(distributor.HasLock).SelectMany(set => set.Names).Select(n => n.Name).ToHashSet();
        var sharded = sets.SelectMany(set => set.Names).Select(n => n.Name).ToHashSet();
        var daemon = coordinator.DaemonForMainDatabase();
        foreach (var (name, requestedAt) in requests)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (sharded.Contains(name) ? !held.Contains(name) : !await TryLockAsync(connection, name, cancellationToken))
            {
                continue;
            }

            logger.LogInformation("Rebuilding projection {Name} from the first event.", name);
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(5), cancellationToken);
            if (sharded.Contains(name))
            {
                await daemon.StartAgentAsync($"{name}:{ShardName.All}", cancellationToken); // the rebuild leaves its agent stopped
            }

            await using var done = new NpgsqlCommand("UPDATE projection_rebuilds SET rebuilt_at = clock_timestamp() WHERE name = $1 AND requested_at = $2", connection)
            {
                Parameters = { new() { Value = name }, new() { Value = requestedAt } },
            };
            await done.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>A lock on the name held until the transaction ends; false when another replica has it.</summary>
    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(7235014, hashtext($1))", connection) { Parameters = { new() { Value = name } } };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
