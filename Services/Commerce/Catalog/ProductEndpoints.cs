using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.ServiceDefaults.Problems;

namespace Platform.Catalog;

public sealed record InventoryView(int Available, int Reserved, IReadOnlyList<WarehouseStock> Warehouses);

public sealed record PricingView(string Currency, decimal Price, decimal Discount, decimal FinalPrice);

/// <summary>A product with its stock and price; a part that could not be had in time is null and named in <c>Degraded</c>.</summary>
public sealed record ProductView(string ProductId, string Name, string Description, string Category, InventoryView? Inventory, PricingView? Pricing, IReadOnlyList<string> Degraded);

public sealed record BulkCheckRequest(IReadOnlyList<string>? ProductIds);

/// <summary>One requested id: whether the catalog has it, and (when inventory and pricing answered) its stock and final price.</summary>
public sealed record BulkCheckResult(string ProductId, bool Found, int? Available, decimal? Price, string? Currency);

public sealed record BulkCheckView(IReadOnlyList<BulkCheckResult> Results, IReadOnlyList<string> Degraded);

internal sealed record Product(string ProductId, string Name, string Description, string Category);

/// <summary>The product routes of the gateway's <c>/api/v1/products</c> (anonymous: the catalog is public).</summary>
internal static class ProductEndpoints
{
    public static void MapProductEndpoints(this WebApplication app)
    {
        app.MapGet("/api/v1/products/{productId}", GetAsync);
        app.MapPost("/api/v1/products/bulk-check", BulkCheckAsync);
    }

    /// <summary>The catalog row, the stock and the price are asked for at once; the answer takes as long as the slowest.</summary>
    private static async Task<IResult> GetAsync(string productId, NpgsqlDataSource db, InventoryClient inventory, PricingClient pricing, PartBudget budget, CancellationToken cancellationToken)
    {
        if (!ProductIds.IsValid(productId))
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["productId"] = [$"A product id is 1 to {ProductIds.MaxIdLength} letters, digits, '-' or '_'."] });
        }

        using var unknown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stock = budget.CallAsync("inventory", ct => inventory.GetAsync(productId, ct), unknown.Token);
        var price = budget.CallAsync("pricing", ct => pricing.GetAsync(productId, ct), unknown.Token);
        IReadOnlyList<Product> products = [];
        try
        {
            products = await FindAsync(db, [productId], cancellationToken);
        }
        finally
        {
            if (products.Count == 0)
            {
                // Unknown (or the catalog's own query failed): the two calls are not needed, and are stopped and observed.
                await unknown.CancelAsync();
                await Task.WhenAll(stock, price).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        if (products.Count == 0)
        {
            return Problem.NotFound($"There is no product {productId}.");
        }

        var (product, s, p) = (products[0], await stock, await price);
        return Results.Ok(new ProductView(product.ProductId, product.Name, product.Description, product.Category,
            s.Value is { } level ? new InventoryView(level.Available, level.Reserved, level.Warehouses) : null,
            p.Value is { } amount ? new PricingView(amount.Currency, amount.ListPrice, amount.DiscountPercent, amount.FinalPrice) : null,
            Degraded(("inventory", s.Answered), ("pricing", p.Answered))));
    }

    private static async Task<IResult> BulkCheckAsync(BulkCheckRequest request, NpgsqlDataSource db, InventoryClient inventory, PricingClient pricing, PartBudget budget, CancellationToken cancellationToken)
    {
        if (ProductIds.ErrorsOf(request.ProductIds, "productIds") is { } errors)
        {
            return Problem.Validation(errors);
        }

        var ids = request.ProductIds!;
        var distinct = ids.Distinct().ToArray();
        var stock = budget.CallAsync("inventory", ct => inventory.QueryAsync(distinct, ct), cancellationToken, bulk: true);
        var prices = budget.CallAsync("pricing", ct => pricing.QueryAsync(distinct, ct), cancellationToken, bulk: true);
        var found = (await FindAsync(db, distinct, cancellationToken)).Select(p => p.ProductId).ToHashSet();
        var (s, p) = (await stock, await prices);
        var levels = s.Value?.ToDictionary(l => l.ProductId) ?? [];
        var amounts = p.Value?.ToDictionary(a => a.ProductId) ?? [];

        var results = ids.Select(id => found.Contains(id)
            ? new BulkCheckResult(id, true, levels.GetValueOrDefault(id)?.Available, amounts.GetValueOrDefault(id)?.FinalPrice, amounts.GetValueOrDefault(id)?.Currency)
            : new BulkCheckResult(id, false, null, null, null)).ToList();
        return Results.Ok(new BulkCheckView(results, Degraded(("inventory", s.Answered), ("pricing", p.Answered))));
    }

    private static string[] Degraded(params (string Part, bool Answered)[] parts) => parts.Where(p => !p.Answered).Select(p => p.Part).ToArray();

    private static async Task<IReadOnlyList<Product>> FindAsync(NpgsqlDataSource db, string[] ids, CancellationToken cancellationToken)
    {
        var products = new List<Product>(ids.Length);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, "SELECT product_id, name, description, category FROM products WHERE product_id = ANY($1)", (object)ids);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            products.Add(new Product(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return products;
    }
}
