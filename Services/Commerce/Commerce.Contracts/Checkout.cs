namespace Platform.Commerce.Contracts;

/// <summary>One line of an order: a product and how many.</summary>
public sealed record OrderLine(string ProductId, int Quantity);

/// <summary>A priced line: what one unit costs after its promotion.</summary>
public sealed record PricedLine(string ProductId, int Quantity, decimal UnitPrice);

/// <summary>
/// The checkout saga (orchestrated by orders): its steps, the services that carry them out, and the names of the
/// values its data holds. A step's business failure starts its reason with a code the orders service maps to an answer.
/// </summary>
public static class Checkout
{
    public const string Saga = "checkout";

    public const string ReserveStock = "reserve-stock";
    public const string PriceOrder = "price-order";
    public const string AuthorizePayment = "authorize-payment";
    public const string CapturePayment = "capture-payment";

    /// <summary>Saga data: the order id (also the saga's id), the customer, the lines, the payment token, and once priced the currency and total.</summary>
    public const string OrderId = "orderId";
    public const string CustomerId = "customerId";
    public const string Items = "items";
    public const string PaymentToken = "paymentToken";
    public const string Currency = "currency";
    public const string Total = "total";

    /// <summary>Failure codes, the start of a failed step's reason ("insufficient-stock: ...").</summary>
    public const string InsufficientStock = "insufficient-stock";
    public const string Unpriced = "unpriced";
    public const string PaymentDeclined = "payment-declined";
    public const string PaymentTimeout = "payment-timeout";

    public static string Reason(string code, string detail) => $"{code}: {detail}";
}
