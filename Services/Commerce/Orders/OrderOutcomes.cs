using System.Collections.Concurrent;
using Npgsql;

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

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _waiting = new();

    /// <summary>Completes when the order's end is notified; the caller removes it with <see cref="Forget"/>.</summary>
    public Task Ended(Guid orderId) => _waiting.GetOrAdd(orderId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(Guid orderId) => _waiting.TryRemove(orderId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var orderId) && _waiting.TryGetValue(orderId, out var waiter))
                    {
                        waiter.TrySetResult();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

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
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Listening for order outcomes failed ({Error}); waiting requests read their orders until it is back.", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
