using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Orders;

public sealed record OrderItemView(string ProductId, int Quantity, decimal? UnitPrice);

public sealed record OrderView(Guid OrderId, string CustomerId, string Status, decimal? Total, string? Currency, IReadOnlyList<OrderItemView> Items, string? Error, DateTimeOffset CreatedAt);

/// <summary>Orders in ordersdb: placed together with their checkout saga (one transaction), read back, and waited for.</summary>
internal sealed class OrderStore(NpgsqlDataSource db, CheckoutSaga saga, SagaStarter sagas, OrderOutcomes outcomes, TimeProvider clock)
{
    /// <summary>
    /// Places an order and starts its saga, or, when this customer already sent <paramref name="idempotencyKey"/>,
    /// returns that order's id and starts nothing (<c>SameRequest</c> false when the key came with another order).
    /// </summary>
    public async Task<(Guid OrderId, bool SameRequest)> PlaceAsync(string customerId, IReadOnlyList<OrderLine> items, string? paymentToken, string? idempotencyKey,
        IReadOnlyDictionary<string, string>? faults, CancellationToken cancellationToken)
    {
        var orderId = Guid.CreateVersion7();
        var requestHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(new { items, paymentToken }, JsonSerializerOptions.Web)));
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Sql.Command(connection, transaction,
            """
            INSERT INTO orders (id, customer_id, status, items, idempotency_key, request_hash, created_at, updated_at) VALUES ($1, $2, 'pending', $3::jsonb, $4, $5, $6, $6)
            ON CONFLICT (customer_id, idempotency_key) DO NOTHING
            """, orderId, customerId, JsonSerializer.Serialize(items, JsonSerializerOptions.Web), idempotencyKey!, requestHash, clock.GetUtcNow()))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                var (firstId, firstHash) = await FindByKeyAsync(customerId, idempotencyKey!, cancellationToken);
                return (firstId, firstHash == requestHash);
            }
        }

        CorrelationId.Current ??= CorrelationId.New();
        var data = new JsonObject
        {
            [Checkout.OrderId] = orderId,
            [Checkout.CustomerId] = customerId,
            [Checkout.Items] = JsonSerializer.SerializeToNode(items, JsonSerializerOptions.Web),
            [Checkout.PaymentToken] = paymentToken,
        };
        await sagas.StartAsync(connection, transaction, saga, orderId, data, faults, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (orderId, true);
    }

    public async Task<OrderView?> FindAsync(Guid orderId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, "SELECT customer_id, status, total, currency, items, error, created_at FROM orders WHERE id = $1", orderId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new OrderView(orderId, reader.GetString(0), reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetDecimal(2), reader.IsDBNull(3) ? null : reader.GetString(3),
            JsonSerializer.Deserialize<List<OrderItemView>>(reader.GetString(4), JsonSerializerOptions.Web)!,
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <summary>The order once its saga has ended, or as it stands at <paramref name="deadline"/>.</summary>
    public async Task<OrderView> WaitForOutcomeAsync(Guid orderId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var ended = outcomes.Ended(orderId); // before the first read, so an end between the two is not missed
        try
        {
            while (true)
            {
                var order = await FindAsync(orderId, cancellationToken) ?? throw new InvalidOperationException($"Order {orderId} vanished.");
                var left = deadline - clock.GetUtcNow();
                if (order.Status != "pending" || left <= TimeSpan.Zero)
                {
                    return order;
                }

                using var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(ended, Task.Delay(left < OrderOutcomes.Recheck ? left : OrderOutcomes.Recheck, clock, pause.Token));
                await pause.CancelAsync(); // the delay's timer goes with it
            }
        }
        finally
        {
            outcomes.Forget(orderId);
        }
    }

    private async Task<(Guid OrderId, string? RequestHash)> FindByKeyAsync(string customerId, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, "SELECT id, request_hash FROM orders WHERE customer_id = $1 AND idempotency_key = $2", customerId, idempotencyKey);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }
}
