using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Orders;

/// <summary>
/// Wakes the requests waiting for an order's outcome: ordersdb notifies <see cref="Channel"/> with the order's id when
/// its status leaves 'pending' (a trigger, so it fires in the saga's own transaction, on commit), and one connection per
/// process listens. A notification lost while that connection is down costs a waiter only time: it reads the row again
/// every <see cref="Recheck"/> anyway.
/// </summary>
internal sealed class OrderOutcomes(NpgsqlDataSource db, ILogger<OrderOutcomes> logger) : BackgroundService
{
    public const string Channel = "order_ended";

    /// <summary>How often a waiter reads its order again without a notification.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    /// <summary>The orders requests wait for, each with how many wait (an idempotent retry waits for the same order).</summary>
    private readonly Dictionary<Guid, (TaskCompletionSource Ended, int Waiters)> _waiting = [];

    /// <summary>Completes when the order's end is notified; every call is matched by one <see cref="Forget"/>.</summary>
    public Task Ended(Guid orderId)
    {
        lock (_waiting)
        {
            var (ended, waiters) = _waiting.GetValueOrDefault(orderId, (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), 0));
            _waiting[orderId] = (ended, waiters + 1);
            return ended.Task;
        }
    }

    public void Forget(Guid orderId)
    {
        lock (_waiting)
        {
            if (_waiting.TryGetValue(orderId, out var entry))
            {
                if (entry.Waiters > 1)
                {
                    _waiting[orderId] = (entry.Ended, entry.Waiters - 1);
                }
                else
                {
                    _waiting.Remove(orderId);
                }
            }
        }
    }

    private void Notified(Guid orderId)
    {
        lock (_waiting)
        {
            if (_waiting.TryGetValue(orderId, out var entry))
            {
                entry.Ended.TrySetResult();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await Notifications.ListenAsync(db, Channel, stoppingToken);
                failures = 0;
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var orderId))
                    {
                        Notified(orderId);
                    }
                };

                while (true)
                {
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        // Quiet for a while: make sure the connection is still there (a dead one would never notify).
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Listening for order outcomes failed ({Error}); waiting requests read their orders until it is back.", e.Message);
                await Task.Delay(ResilienceRules.Backoff(++failures, ResilienceRules.ReconnectCeiling), stoppingToken);
            }
        }
    }
}
