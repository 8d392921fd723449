using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.ServiceDefaults.Problems;

namespace Platform.Pricing;

/// <summary>Prices with their promotion applied, for the catalog's product view (one id) and bulk check (many ids in one query).</summary>
internal static class PriceEndpoints
{
    public static void MapPriceEndpoints(this WebApplication app)
    {
        app.MapGet("/prices/{productId}", GetAsync);
        app.MapPost("/prices/query", QueryAsync);
    }

    private static async Task<IResult> GetAsync(string productId, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (!ProductIds.IsValid(productId))
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["productId"] = ["Not a product id."] });
        }

        var prices = await ReadAsync(db, [productId], cancellationToken);
        return prices.Count == 1 ? Results.Ok(prices[0]) : Problem.NotFound($"Product {productId} has no price.");
    }

    private static async Task<IResult> QueryAsync(ProductIds request, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        return ProductIds.ErrorsOf(request.Ids, "ids") is { } errors
            ? Problem.Validation(errors)
            : Results.Ok(await ReadAsync(db, request.Ids!.Distinct().ToArray(), cancellationToken));
    }

    /// <summary>The prices of those of <paramref name="ids"/> that have one.</summary>
    public static async Task<IReadOnlyList<Price>> ReadAsync(NpgsqlDataSource db, string[] ids, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, null, ids, cancellationToken);
    }

    /// <inheritdoc cref="ReadAsync(NpgsqlDataSource, string[], CancellationToken)"/>
    public static async Task<IReadOnlyList<Price>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] ids, CancellationToken cancellationToken)
    {
        var prices = new List<Price>(ids.Length);
        await using var select = Sql.Command(connection, transaction,
            """
            SELECT p.product_id, p.currency, p.list_price, coalesce(d.discount_percent, 0),
                   round(p.list_price * (100 - coalesce(d.discount_percent, 0)) / 100, 2)
            FROM prices p LEFT JOIN promotions d USING (product_id)
            WHERE p.product_id = ANY($1)
            """, (object)ids); // one array parameter, not params
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            prices.Add(new Price(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4)));
        }

        return prices;
    }
}
