using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;

namespace Platform.Catalog;

/// <summary>The catalog's ids page by page, for reports that walk every product (internal: the gateway does not route /internal).</summary>
internal static class ProductIdEndpoints
{
    public static void MapProductIdEndpoints(this WebApplication app)
        => app.MapGet("/internal/products/ids", async (string? after, int? limit, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Sql.BatchCommand("SELECT product_id FROM products WHERE product_id > $1 ORDER BY product_id LIMIT $2", after ?? "", Math.Clamp(limit ?? ProductIds.Limit, 1, ProductIds.Limit)),
                    Sql.BatchCommand("SELECT count(*) FROM products"),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var ids = new List<string>();
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }

            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new ProductIdPage(ids, reader.GetInt64(0));
        });
}
