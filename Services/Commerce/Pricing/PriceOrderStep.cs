using Platform.Commerce.Contracts;
using Platform.Sagas;
using Npgsql;

namespace Platform.Pricing;

/// <summary>
/// The checkout's price step: each line at its current price with its promotion, and the order's total, which join the
/// saga's data for the payment steps. A product without a price fails the step (<see cref="Checkout.Unpriced"/>).
/// It changes nothing, so it has nothing to undo.
/// </summary>
internal sealed class PriceOrderStep(NpgsqlDataSource db) : PostgresSagaStep(db)
{
    public override string Saga => Checkout.Saga;

    public override string StepName => Checkout.PriceOrder;

    protected override async Task<object?> ActAsync(SagaStep command, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var lines = command.Find<List<OrderLine>>(Checkout.Items) ?? [];
        var prices = (await PriceEndpoints.ReadAsync(connection, transaction, lines.Select(l => l.ProductId).Distinct().ToArray(), cancellationToken)).ToDictionary(p => p.ProductId);
        var unpriced = lines.Where(l => !prices.ContainsKey(l.ProductId)).Select(l => l.ProductId).ToList();
        if (unpriced.Count > 0)
        {
            throw new SagaStepFailedException(Checkout.Reason(Checkout.Unpriced, $"no price for {string.Join(", ", unpriced)}."));
        }

        var currencies = prices.Values.Select(p => p.Currency).Distinct().ToList();
        if (currencies.Count > 1)
        {
            throw new SagaStepFailedException(Checkout.Reason(Checkout.Unpriced, $"the products are priced in {string.Join(" and ", currencies)}; an order has one currency."));
        }

        var priced = lines.Select(l => new PricedLine(l.ProductId, l.Quantity, prices[l.ProductId].FinalPrice)).ToList();
        return new Dictionary<string, object>
        {
            [Checkout.Items] = priced,
            [Checkout.Currency] = currencies[0],
            [Checkout.Total] = priced.Sum(l => l.UnitPrice * l.Quantity),
        };
    }
}
