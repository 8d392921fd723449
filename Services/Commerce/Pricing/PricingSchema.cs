using Platform.Commerce.Contracts;
using Platform.Sagas;

namespace Platform.Pricing;

/// <summary>pricingdb migrations, applied in order at startup (append only).</summary>
internal static class PricingSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        $"""
        CREATE TABLE prices (
          product_id text PRIMARY KEY,
          currency char(3) NOT NULL,
          list_price numeric(12,2) NOT NULL CHECK (list_price >= 0));
        CREATE TABLE promotions (
          product_id text PRIMARY KEY REFERENCES prices,
          discount_percent numeric(5,2) NOT NULL CHECK (discount_percent > 0 AND discount_percent < 100));
        INSERT INTO prices (product_id, currency, list_price)
        SELECT product_id, 'USD', 4.99 + (n * 7) % 495 FROM {CommerceSeed.ProductsSql} p;
        -- Every fifth product is 10 % off.
        INSERT INTO promotions (product_id, discount_percent)
        SELECT product_id, 10 FROM {CommerceSeed.ProductsSql} p WHERE n % 5 = 0;
        """,
        // The checkout saga's price-order step.
        SagaSchema.WithMessagingSql,
    ];
}
