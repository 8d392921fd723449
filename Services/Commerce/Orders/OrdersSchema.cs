using Platform.Sagas;

namespace Platform.Orders;

/// <summary>ordersdb migrations, applied in order at startup (append only).</summary>
internal static class OrdersSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE orders (
          id uuid PRIMARY KEY,
          customer_id text NOT NULL,
          status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'failed')),
          items jsonb NOT NULL,
          total numeric(12,2),
          currency char(3),
          error text,
          idempotency_key text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          UNIQUE (customer_id, idempotency_key));
        CREATE INDEX orders_customer ON orders (customer_id, created_at);
        """ + SagaSchema.WithMessagingSql,
        // What an Idempotency-Key was first sent with, so the same key with another order is refused.
        "ALTER TABLE orders ADD COLUMN request_hash text;",
        // The waiting POST /orders learns of an order's end at its commit (OrderOutcomes), instead of reading the row again and again.
        $$"""
        CREATE FUNCTION notify_order_ended() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          PERFORM pg_notify('{{OrderOutcomes.Channel}}', NEW.id::text);
          RETURN NULL;
        END $fn$;
        CREATE TRIGGER orders_ended AFTER UPDATE OF status ON orders
          FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') EXECUTE FUNCTION notify_order_ended();
        """,
    ];
}
