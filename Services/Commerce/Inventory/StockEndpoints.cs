using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.ServiceDefaults.Problems;

namespace Platform.Inventory;

/// <summary>Stock levels, for the catalog's product view (one id) and bulk check (many ids in one query).</summary>
internal static class StockEndpoints
{
    public static void MapStockEndpoints(this WebApplication app)
    {
        app.MapGet("/stock/{productId}", GetAsync);
        app.MapPost("/stock/query", QueryAsync);
    }

    private static async Task<IResult> GetAsync(string productId, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (!ProductIds.IsValid(productId))
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["productId"] = ["Not a product id."] });
        }

        var levels = await ReadAsync(db, [productId], cancellationToken);
        return Results.Ok(levels[0]);
    }

    private static async Task<IResult> QueryAsync(ProductIds request, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        return ProductIds.ErrorsOf(request.Ids, "ids") is { } errors
            ? Problem.Validation(errors)
            : Results.Ok(await ReadAsync(db, request.Ids!.Distinct().ToArray(), cancellationToken));
    }

    /// <summary>One level per requested id, in the order asked (zeros for a product no warehouse stocks).</summary>
    private static async Task<IReadOnlyList<StockLevel>> ReadAsync(NpgsqlDataSource db, string[] ids, CancellationToken cancellationToken)
    {
        var warehouses = ids.ToDictionary(id => id, _ => new List<WarehouseStock>());
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null,
            "SELECT product_id, warehouse, available, reserved FROM stock WHERE product_id = ANY($1) ORDER BY product_id, warehouse", (object)ids);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            warehouses[reader.GetString(0)].Add(new WarehouseStock(reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        return ids.Select(id => new StockLevel(id, warehouses[id].Sum(w => w.Available), warehouses[id].Sum(w => w.Reserved), warehouses[id])).ToList();
    }
}
