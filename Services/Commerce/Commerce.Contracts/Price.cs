namespace Platform.Commerce.Contracts;

/// <summary>The price of one product: the list price, the promotion's discount in percent, and what a customer pays.</summary>
public sealed record Price(string ProductId, string Currency, decimal ListPrice, decimal DiscountPercent, decimal FinalPrice);
