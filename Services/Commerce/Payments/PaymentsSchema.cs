using Platform.Sagas;

namespace Platform.Payments;

/// <summary>paymentsdb migrations, applied in order at startup (append only).</summary>
internal static class PaymentsSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        -- The platform's record of each order's payment.
        CREATE TABLE payments (
          order_id uuid PRIMARY KEY,
          customer_id text NOT NULL,
          amount numeric(12,2) NOT NULL CHECK (amount >= 0),
          currency char(3) NOT NULL,
          authorization_id uuid NOT NULL,
          status text NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'refunded')),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now());
        -- The simulated processor's own ledger (what a real one keeps on its side): one authorization per order, since
        -- the order id is the idempotency key sent with every call.
        CREATE TABLE processor_authorizations (
          order_id uuid PRIMARY KEY,
          authorization_id uuid NOT NULL,
          amount numeric(12,2) NOT NULL,
          currency char(3) NOT NULL,
          status text NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'refunded')),
          updated_at timestamptz NOT NULL DEFAULT now());
        """ + SagaSchema.WithMessagingSql,
    ];
}
