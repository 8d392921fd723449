using Platform.Commerce.Contracts;
using Platform.Sagas;

namespace Platform.Inventory;

/// <summary>inventorydb migrations, applied in order at startup (append only).</summary>
internal static class InventorySchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        $"""
        CREATE TABLE stock (
          product_id text NOT NULL,
          warehouse text NOT NULL,
          available integer NOT NULL CHECK (available >= 0),
          reserved integer NOT NULL CHECK (reserved >= 0),
          PRIMARY KEY (product_id, warehouse));
        -- Every seeded product in eu-west, even-numbered ones in us-east too.
        INSERT INTO stock (product_id, warehouse, available, reserved)
        SELECT product_id, 'eu-west', 20 + (n * 37) % 480, 0 FROM {CommerceSeed.ProductsSql} p
        UNION ALL
        SELECT product_id, 'us-east', 10 + (n * 53) % 190, 0 FROM {CommerceSeed.ProductsSql} p WHERE n % 2 = 0;
        """,
        // The checkout saga's reserve-stock step: what each order holds, released by its compensation.
        """
        CREATE TABLE reservations (
          order_id uuid NOT NULL,
          product_id text NOT NULL,
          warehouse text NOT NULL,
          quantity integer NOT NULL CHECK (quantity > 0),
          status text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released')),
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (order_id, product_id, warehouse));
        """ + SagaSchema.WithMessagingSql,
    ];
}
