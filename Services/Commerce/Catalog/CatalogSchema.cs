using Platform.Commerce.Contracts;

namespace Platform.Catalog;

/// <summary>catalogdb migrations, applied in order at startup (append only).</summary>
internal static class CatalogSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        $"""
        CREATE TABLE products (
          product_id text PRIMARY KEY,
          name text NOT NULL,
          description text NOT NULL,
          category text NOT NULL);
        INSERT INTO products (product_id, name, description, category)
        SELECT product_id,
               coalesce(named.name, 'Product ' || product_id),
               coalesce(named.description, 'A seeded product of the commerce catalog.'),
               (ARRAY['peripherals', 'displays', 'audio', 'furniture', 'lighting'])[1 + n % 5]
        FROM {CommerceSeed.ProductsSql} p
        LEFT JOIN (VALUES
          ('123', 'Wireless Mouse', 'A two-button wireless mouse with a silent scroll wheel.'),
          ('456', 'Mechanical Keyboard', 'A tenkeyless keyboard with hot-swappable switches.'),
          ('789', 'USB-C Hub', 'Seven ports from one USB-C socket, with 100 W pass-through.'),
          ('101', '27-inch Monitor', 'A 27-inch 1440p IPS monitor.'),
          ('202', 'Laptop Stand', 'An aluminium stand that raises a laptop to eye level.'),
          ('303', 'Noise-Cancelling Headphones', 'Over-ear headphones with active noise cancelling.'),
          ('404', 'Webcam', 'A 1080p webcam with a privacy shutter.'),
          ('505', 'Desk Lamp', 'A dimmable LED desk lamp.')) AS named (product_id, name, description) USING (product_id);
        """,
    ];
}
