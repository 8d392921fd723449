using Npgsql;
using Platform.Postgres;

namespace Platform.Payments;

public sealed class PaymentDeclinedException(string reason) : Exception(reason);

/// <summary>
/// Stands in for a card processor's API: authorize, capture, void and refund, each keyed by the order id (the
/// idempotency key a real processor takes), its ledger in its own table. It answers after <c>Payments:ProcessorLatency</c>
/// (20 ms by default) and declines a share <c>Payments:DeclineRate</c> (0 to 1, none by default) of authorizations.
/// Test cards act out the rest: <c>tok_declined</c> is declined; <c>tok_timeout</c> is authorized but the answer never
/// comes back in time, as when a processor's response is lost on the way.
/// </summary>
internal sealed class SimulatedProcessor(NpgsqlDataSource db, TimeProvider time, Random random, IConfiguration configuration)
{
    public const string DeclinedCard = "tok_declined";
    public const string TimeoutCard = "tok_timeout";

    private readonly TimeSpan _latency = configuration.GetValue("Payments:ProcessorLatency", TimeSpan.FromMilliseconds(20));
    private readonly double _declineRate = configuration.GetValue("Payments:DeclineRate", 0.0);

    public async Task<Guid> AuthorizeAsync(Guid orderId, decimal amount, string currency, string? card, CancellationToken cancellationToken)
    {
        await Task.Delay(_latency, time, cancellationToken);
        if (card == DeclinedCard || random.NextDouble() < _declineRate)
        {
            throw new PaymentDeclinedException("the card issuer declined the authorization.");
        }

        // The same order authorized twice (a retried call) is one authorization.
        Guid authorizationId;
        await using (var authorize = db.CreateCommand(
            """
            INSERT INTO processor_authorizations (order_id, authorization_id, amount, currency, status) VALUES ($1, $2, $3, $4, 'authorized')
            ON CONFLICT (order_id) DO UPDATE SET updated_at = now() RETURNING authorization_id
            """))
        {
            authorize.Parameters.Add(new() { Value = orderId });
            authorize.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            authorize.Parameters.Add(new() { Value = amount });
            authorize.Parameters.Add(new() { Value = currency });
            authorizationId = (Guid)(await authorize.ExecuteScalarAsync(cancellationToken))!;
        }

        if (card == TimeoutCard)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
        }

        return authorizationId;
    }

    /// <summary>Captures the order's authorization (again, harmlessly, when it already was); false when there is no live one to capture.</summary>
    public Task<bool> CaptureAsync(Guid orderId, CancellationToken cancellationToken) => MoveAsync(orderId, ["authorized", "captured"], "captured", cancellationToken);

    /// <summary>Releases an authorization, including one whose answer the caller never got; nothing when there is none.</summary>
    public Task<bool> VoidAsync(Guid orderId, CancellationToken cancellationToken) => MoveAsync(orderId, ["authorized"], "voided", cancellationToken);

    /// <summary>Gives a captured amount back, including a capture whose answer the caller never recorded; nothing when there is none.</summary>
    public Task<bool> RefundAsync(Guid orderId, CancellationToken cancellationToken) => MoveAsync(orderId, ["captured"], "refunded", cancellationToken);

    private async Task<bool> MoveAsync(Guid orderId, string[] from, string to, CancellationToken cancellationToken)
    {
        await Task.Delay(_latency, time, cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var move = Sql.Command(connection, null, "UPDATE processor_authorizations SET status = $3, updated_at = now() WHERE order_id = $1 AND status = ANY($2)", orderId, from, to);
        return await move.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
