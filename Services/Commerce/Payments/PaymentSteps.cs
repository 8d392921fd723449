using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Payments;

/// <summary>
/// The checkout's authorize step: the order's total is authorized with the processor within
/// <c>Payments:ProcessorBudget</c> (2 s by default) and recorded. A decline fails the step with
/// <see cref="Checkout.PaymentDeclined"/>, no answer in time with <see cref="Checkout.PaymentTimeout"/>. Its compensation
/// voids the authorization at the processor whether or not this step saw it succeed: a late one is voided too.
/// </summary>
internal sealed class AuthorizePaymentStep(NpgsqlDataSource db, SimulatedProcessor processor, TimeProvider time, IConfiguration configuration) : PostgresSagaStep(db)
{
    private readonly TimeSpan _budget = configuration.GetValue("Payments:ProcessorBudget", TimeSpan.FromSeconds(2));

    public override string Saga => Checkout.Saga;

    public override string StepName => Checkout.AuthorizePayment;

    protected override async Task<object?> ActAsync(SagaStep command, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var orderId = command.Get<Guid>(Checkout.OrderId);
        var (amount, currency) = (command.Get<decimal>(Checkout.Total), command.Get<string>(Checkout.Currency));
        Guid authorizationId;
        using var budget = new CancellationTokenSource(_budget, time);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            authorizationId = await processor.AuthorizeAsync(orderId, amount, currency, command.Find<string>(Checkout.PaymentToken), call.Token);
        }
        catch (PaymentDeclinedException e)
        {
            throw new SagaStepFailedException(Checkout.Reason(Checkout.PaymentDeclined, e.Message));
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SagaStepFailedException(Checkout.Reason(Checkout.PaymentTimeout, $"the processor did not answer within {_budget.TotalSeconds:0.#} s."));
        }

        await using var insert = Sql.Command(connection, transaction,
            "INSERT INTO payments (order_id, customer_id, amount, currency, authorization_id, status) VALUES ($1, $2, $3, $4, $5, 'authorized')",
            orderId, command.Get<string>(Checkout.CustomerId), amount, currency, authorizationId);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return new { authorizationId };
    }

    protected override async Task UndoAsync(SagaStep command, bool applied, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var orderId = command.Get<Guid>(Checkout.OrderId);
        if (applied)
        {
            await PaymentRows.MoveAsync(connection, transaction, orderId, "authorized", "voided", cancellationToken);
        }

        await processor.VoidAsync(orderId, cancellationToken);
    }
}

/// <summary>
/// The checkout's last step: the authorized amount is captured (no live authorization fails the step). Its compensation
/// refunds at the processor whether or not this step recorded the capture: a capture whose transaction never committed
/// is refunded too.
/// </summary>
internal sealed class CapturePaymentStep(NpgsqlDataSource db, SimulatedProcessor processor) : PostgresSagaStep(db)
{
    public override string Saga => Checkout.Saga;

    public override string StepName => Checkout.CapturePayment;

    protected override async Task<object?> ActAsync(SagaStep command, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var orderId = command.Get<Guid>(Checkout.OrderId);
        if (!await processor.CaptureAsync(orderId, cancellationToken))
        {
            throw new SagaStepFailedException($"capture-failed: the processor has no live authorization for order {orderId}.");
        }

        await PaymentRows.MoveAsync(connection, transaction, orderId, "authorized", "captured", cancellationToken);
        return null;
    }

    protected override async Task UndoAsync(SagaStep command, bool applied, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var orderId = command.Get<Guid>(Checkout.OrderId);
        if (applied)
        {
            await PaymentRows.MoveAsync(connection, transaction, orderId, "captured", "refunded", cancellationToken);
        }

        await processor.RefundAsync(orderId, cancellationToken);
    }
}

/// <summary>The payments table's one transition: an order's payment moves from one status to the next, if it is in the first.</summary>
internal static class PaymentRows
{
    public static async Task MoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, string from, string to, CancellationToken cancellationToken)
    {
        await using var update = Sql.Command(connection, transaction, "UPDATE payments SET status = $3, updated_at = now() WHERE order_id = $1 AND status = $2", orderId, from, to);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
