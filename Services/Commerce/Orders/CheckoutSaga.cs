using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Orders;

/// <summary>
/// Checkout: stock is reserved (inventory), the order priced (pricing), its total authorized and then captured
/// (payments). A failure compensates in reverse: the authorization is voided and the reservation released. The order
/// row follows the saga: confirmed with its priced lines and total, or failed with the reason.
/// </summary>
internal sealed class CheckoutSaga : SagaDefinition
{
    public override string Name => Checkout.Saga;

    public override IReadOnlyList<SagaStepDefinition> Steps { get; } =
    [
        new(Checkout.ReserveStock, "inventory"),
        new(Checkout.PriceOrder, "pricing"),
        new(Checkout.AuthorizePayment, "payments"),
        new(Checkout.CapturePayment, "payments"),
    ];

    public override async Task OnCompletedAsync(SagaContext saga, CancellationToken cancellationToken)
    {
        await using var update = Sql.Command(saga.Connection, saga.Transaction,
            "UPDATE orders SET status = 'confirmed', items = $2::jsonb, total = $3, currency = $4, updated_at = now() WHERE id = $1",
            saga.SagaId, saga.Data[Checkout.Items]!.ToJsonString(), saga.Data[Checkout.Total]!.GetValue<decimal>(), saga.Data[Checkout.Currency]!.GetValue<string>());
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task OnFailedAsync(SagaContext saga, CancellationToken cancellationToken)
    {
        await using var update = Sql.Command(saga.Connection, saga.Transaction,
            "UPDATE orders SET status = 'failed', error = $2, updated_at = now() WHERE id = $1", saga.SagaId, saga.Error ?? "The checkout failed.");
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
