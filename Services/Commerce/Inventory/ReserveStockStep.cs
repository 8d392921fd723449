using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Inventory;

/// <summary>
/// The checkout's first step: every line's quantity moves from available to reserved, taken from the warehouses in name
/// order, or nothing moves and the step fails with <see cref="Checkout.InsufficientStock"/>. Stock rows are locked in
/// product order, so concurrent checkouts queue on a product instead of overselling it or deadlocking.
/// Its compensation puts a held reservation back.
/// </summary>
internal sealed class ReserveStockStep(NpgsqlDataSource db) : PostgresSagaStep(db)
{
    public override string Saga => Checkout.Saga;

    public override string StepName => Checkout.ReserveStock;

    protected override async Task<object?> ActAsync(SagaStep command, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var orderId = command.Get<Guid>(Checkout.OrderId);
        var wanted = (command.Find<List<OrderLine>>(Checkout.Items) ?? [])
            .GroupBy(l => l.ProductId, StringComparer.Ordinal).Select(g => new OrderLine(g.Key, g.Sum(l => l.Quantity)))
            .OrderBy(l => l.ProductId, StringComparer.Ordinal).ToList();
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            foreach (var line in wanted)
            {
                var left = line.Quantity;
                foreach (var (warehouse, available) in await LockStockAsync(connection, transaction, line.ProductId, cancellationToken))
                {
                    var take = Math.Min(left, available);
                    if (take == 0)
                    {
                        continue;
                    }

                    batch.BatchCommands.Add(Sql.BatchCommand("UPDATE stock SET available = available - $3, reserved = reserved + $3 WHERE product_id = $1 AND warehouse = $2", line.ProductId, warehouse, take));
                    batch.BatchCommands.Add(Sql.BatchCommand("INSERT INTO reservations (order_id, product_id, warehouse, quantity) VALUES ($1, $2, $3, $4)", orderId, line.ProductId, warehouse, take));
                    left -= take;
                }

                if (left > 0)
                {
                    // The transaction (and the claim in it) rolls back: nothing of this order is reserved.
                    throw new SagaStepFailedException(Checkout.Reason(Checkout.InsufficientStock, $"product {line.ProductId} has {line.Quantity - left} available, {line.Quantity} asked."));
                }
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        return null;
    }

    protected override async Task UndoAsync(SagaStep command, bool applied, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (applied)
        {
            // The stock rows first, in the order a reservation locks them (product, warehouse), so the two never deadlock.
            var orderId = command.Get<Guid>(Checkout.OrderId);
            await using var release = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Sql.BatchCommand(
                        """
                        SELECT 1 FROM stock WHERE (product_id, warehouse) IN (SELECT product_id, warehouse FROM reservations WHERE order_id = $1 AND status = 'held')
                        ORDER BY product_id, warehouse FOR UPDATE
                        """, orderId),
                    Sql.BatchCommand(
                        """
                        WITH released AS (
                          UPDATE reservations SET status = 'released' WHERE order_id = $1 AND status = 'held'
                          RETURNING product_id, warehouse, quantity)
                        UPDATE stock s SET available = s.available + r.quantity, reserved = s.reserved - r.quantity
                        FROM released r WHERE s.product_id = r.product_id AND s.warehouse = r.warehouse
                        """, orderId),
                },
            };
            await release.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<List<(string Warehouse, int Available)>> LockStockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string productId, CancellationToken cancellationToken)
    {
        var rows = new List<(string, int)>();
        await using var select = Sql.Command(connection, transaction, "SELECT warehouse, available FROM stock WHERE product_id = $1 ORDER BY warehouse FOR UPDATE", productId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return rows;
    }
}
