namespace Platform.Commerce.Contracts;

/// <summary>
/// Stock of one product in one warehouse: <c>Available</c> can be reserved, <c>Reserved</c> is held for orders (checked
/// out and not yet shipped: fulfilment, which would take it out, is not modelled yet).
/// </summary>
public sealed record WarehouseStock(string Warehouse, int Available, int Reserved);

/// <summary>Stock of one product over all warehouses (a product the inventory does not stock has zeros and no warehouses).</summary>
public sealed record StockLevel(string ProductId, int Available, int Reserved, IReadOnlyList<WarehouseStock> Warehouses);
