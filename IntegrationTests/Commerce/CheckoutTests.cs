using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>
/// Seed 002's checkout flow (and seed 001's payment saga) through the gateway as a guest, as the seed's script orders:
/// what the answer says, and what the inventory, payments and processor databases hold afterwards.
/// </summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class CheckoutTests(CommerceFixture commerce, ITestOutputHelper output)
{
    private HttpClient Gateway => commerce.Gateway;

    [Fact]
    public async Task A_checkout_reserves_the_stock_and_captures_the_priced_total()
    {
        var before = await AvailableAsync("123");
        using var response = await OrderAsync(new { items = new[] { new { productId = "123", quantity = 2 }, new { productId = "456", quantity = 1 } }, customerId = "cust-789" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await response.Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("orderId").GetGuid();
        Assert.Equal($"/api/v1/orders/{orderId}", response.Headers.Location?.OriginalString);
        Assert.Equal("confirmed", order.GetProperty("status").GetString());
        var expected = 2 * await FinalPriceAsync("123") + await FinalPriceAsync("456");
        Assert.Equal(expected, order.GetProperty("total").GetDecimal());
        Assert.Equal("USD", order.GetProperty("currency").GetString());

        Assert.Equal(before - 2, await AvailableAsync("123"));
        Assert.Equal(3L, await commerce.QueryScalarAsync<long>("inventorydb", $"SELECT coalesce(sum(quantity), 0) FROM reservations WHERE order_id = '{orderId}' AND status = 'held'"));
        Assert.Equal(expected, await commerce.QueryScalarAsync<decimal>("paymentsdb", $"SELECT amount FROM payments WHERE order_id = '{orderId}' AND status = 'captured'"));
        Assert.Equal("captured", await commerce.QueryScalarAsync<string>("paymentsdb", $"SELECT status FROM processor_authorizations WHERE order_id = '{orderId}'"));

        var read = await Gateway.GetFromJsonAsync<JsonElement>($"/api/v1/orders/{orderId}");
        Assert.Equal("confirmed", read.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Insufficient_stock_is_a_400_with_an_error_and_nothing_is_reserved_or_charged()
    {
        var before = await AvailableAsync("456");
        using var response = await OrderAsync(new { items = new[] { new { productId = "456", quantity = 1 }, new { productId = "123", quantity = 999 } }, customerId = "cust-789" });

        var problem = await response.AssertProblemAsync(400, "insufficient-stock");
        Assert.Equal("insufficient-stock", problem.GetProperty("error").GetString());
        var orderId = problem.GetProperty("orderId").GetGuid();
        Assert.Equal(before, await AvailableAsync("456"));
        Assert.Equal(0L, await commerce.QueryScalarAsync<long>("inventorydb", $"SELECT count(*) FROM reservations WHERE order_id = '{orderId}'"));
        Assert.Equal(0L, await commerce.QueryScalarAsync<long>("paymentsdb", $"SELECT count(*) FROM payments WHERE order_id = '{orderId}'"));
    }

    [Fact]
    public async Task A_declined_payment_is_a_402_and_the_reservation_is_released()
    {
        var before = await AvailableAsync("789");
        using var response = await OrderAsync(new { items = new[] { new { productId = "789", quantity = 3 } }, customerId = "cust-789", paymentToken = "tok_declined" });

        var problem = await response.AssertProblemAsync(402, "payment-declined");
        var orderId = problem.GetProperty("orderId").GetGuid();
        await AssertCompensatedAsync(orderId, "789", before);
    }

    [Fact]
    public async Task A_payment_the_processor_does_not_answer_in_time_is_voided_and_the_reservation_released()
    {
        var before = await AvailableAsync("101");
        using var response = await OrderAsync(new { items = new[] { new { productId = "101", quantity = 1 } }, customerId = "cust-789", paymentToken = "tok_timeout" });

        // 409 when the compensation finished within the request's budget, else 202 and the same outcome later.
        Assert.Contains((int)response.StatusCode, new[] { 409, 202 });
        var order = await EndedAsync(response.StatusCode == HttpStatusCode.Conflict
            ? (await response.AssertProblemAsync(409, "payment-timeout")).GetProperty("orderId").GetGuid()
            : await OrderIdAsync(response));
        Assert.Equal("failed", order.GetProperty("status").GetString());
        Assert.StartsWith("payment-timeout", order.GetProperty("error").GetString(), StringComparison.Ordinal);
        var orderId = order.GetProperty("orderId").GetGuid();
        await AssertCompensatedAsync(orderId, "101", before);
        // The processor did authorize (its answer was lost): the compensation voided that authorization too.
        Assert.Equal("voided", await commerce.QueryScalarAsync<string>("paymentsdb", $"SELECT status FROM processor_authorizations WHERE order_id = '{orderId}'"));
    }

    [Fact]
    public async Task A_checkout_that_outlives_the_request_budget_is_a_202_to_poll_and_a_silent_step_is_compensated()
    {
        var before = await AvailableAsync("303");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { productId = "303", quantity = 2 } }, customerId = "cust-789" }),
        };
        request.Headers.Add("X-Test-Saga-Faults", "price-order=hang");
        using var response = await Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var pending = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", pending.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/orders/{pending.GetProperty("orderId").GetGuid()}", response.Headers.Location?.OriginalString);

        // The price step never answers: after the saga's step timeout the reservation is released and the order fails.
        var order = await EndedAsync(pending.GetProperty("orderId").GetGuid());
        Assert.Equal("failed", order.GetProperty("status").GetString());
        await AssertCompensatedAsync(order.GetProperty("orderId").GetGuid(), "303", before);
    }

    [Fact]
    public async Task A_retried_order_with_the_same_idempotency_key_is_answered_with_the_first_order()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { items = new[] { new { productId = "202", quantity = 1 } }, customerId = "cust-idem" };
        var before = await AvailableAsync("202");
        using var first = await OrderAsync(body, key);
        using var retry = await OrderAsync(body, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetGuid();
        Assert.Equal(firstId, (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetGuid());
        Assert.Equal(1L, await commerce.QueryScalarAsync<long>("ordersdb", $"SELECT count(*) FROM orders WHERE idempotency_key = '{key}'"));
        Assert.Equal(before - 1, await AvailableAsync("202"));
    }

    [Fact]
    public async Task The_same_idempotency_key_with_another_order_is_refused_and_places_nothing()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await OrderAsync(new { items = new[] { new { productId = "202", quantity = 1 } }, customerId = "cust-idem" }, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var other = await OrderAsync(new { items = new[] { new { productId = "202", quantity = 5 } }, customerId = "cust-idem" }, key);

        await other.AssertProblemAsync(422, "validation");
        Assert.Equal(1L, await commerce.QueryScalarAsync<long>("ordersdb", $"SELECT count(*) FROM orders WHERE idempotency_key = '{key}'"));
    }

    [Fact]
    public async Task A_hundred_concurrent_checkouts_of_ten_units_sell_exactly_ten()
    {
        const string product = "14999"; // outside the ids other tests expect in stock
        await commerce.ExecuteAsync("inventorydb", "DELETE FROM stock WHERE product_id = $1 AND warehouse <> 'eu-west'", product);
        await commerce.ExecuteAsync("inventorydb", "UPDATE stock SET available = 10, reserved = 0 WHERE product_id = $1", product);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Each buyer acts as a client should: it keeps its Idempotency-Key and honours 503 + Retry-After, and when its
        // order failed for a reason of the moment (the payment processor or a step did not answer in time: compensated,
        // the unit back in stock) it places a new order, until it has bought the unit or is told there is none left. The
        // machine may shed part of the burst, but must never sell an eleventh unit, leave one unsold, or place an order twice.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        var buyers = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            var orders = new List<JsonElement>();
            while (true)
            {
                var key = Guid.NewGuid().ToString();
                using var response = await Overload.SendIdempotentAsync(Gateway, () => OrderRequest(new { items = new[] { new { productId = product, quantity = 1 } }, customerId = $"buyer-{i}" }, key), TimeSpan.FromMinutes(3));
                var outcome = await OutcomeAsync(response);
                orders.Add(outcome);
                if (outcome.GetProperty("status").GetString() == "confirmed" || Error(outcome).StartsWith("insufficient-stock", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                {
                    return orders;
                }
            }
        }));
        var placed = buyers.SelectMany(b => b).ToList();
        output.WriteLine($"100 buyers ended in {clock.Elapsed.TotalSeconds:0.0} s with {placed.Count} orders: " + string.Join(", ", placed
            .GroupBy(o => Error(o) is { Length: > 0 } e ? e[..Math.Min(40, e.Length)] : o.GetProperty("status").GetString())
            .Select(g => $"{g.Count()} {g.Key}")));

        var finals = buyers.Select(b => b[^1]).ToList();
        Assert.Equal(10, finals.Count(o => o.GetProperty("status").GetString() == "confirmed"));
        Assert.All(finals.Where(o => o.GetProperty("status").GetString() != "confirmed"),
            o => Assert.StartsWith("insufficient-stock", Error(o), StringComparison.Ordinal));
        Assert.Equal(10, placed.Count(o => o.GetProperty("status").GetString() == "confirmed")); // an order that failed first sold nothing
        Assert.Equal(0, await AvailableAsync(product));
        Assert.Equal(10L, await commerce.QueryScalarAsync<long>("inventorydb", $"SELECT reserved::bigint FROM stock WHERE product_id = '{product}'"));
        Assert.Equal((long)placed.Count, await commerce.QueryScalarAsync<long>("ordersdb", "SELECT count(*) FROM orders WHERE customer_id LIKE 'buyer-%'")); // a resend placed no second order
    }

    private static string Error(JsonElement order) => order.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";

    public static TheoryData<string> BadOrders => new()
    {
        "{}",
        """{"items": [], "customerId": "c"}""",
        """{"items": [{"productId": "123", "quantity": 0}], "customerId": "c"}""",
        """{"items": [{"productId": "123", "quantity": 100001}], "customerId": "c"}""",
        """{"items": [{"productId": "not an id", "quantity": 1}], "customerId": "c"}""",
        """{"items": [{"productId": "123", "quantity": 1}], "customerId": "spaces are not allowed"}""",
        """{"items": [{"productId": "123", "quantity": "two"}], "customerId": "c"}""",
        """{"items": [null], "customerId": "c"}""",
        """{"items": [{"productId": "123", "quantity": 1}]}""",
        """{"items": [{"productId": "123", "quantity": 1}], "customerId": "6f1c3f3e-0d7e-4a43-9a53-0f3c5e4f2b11"}""",
        "not json",
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task A_malformed_order_is_a_400_problem_and_writes_nothing(string body)
    {
        var before = await commerce.QueryScalarAsync<long>("ordersdb", "SELECT count(*) FROM orders");
        using var response = await Gateway.PostAsync("/api/v1/orders", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(400);
        Assert.Equal(before, await commerce.QueryScalarAsync<long>("ordersdb", "SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task An_unknown_order_is_a_404_problem()
    {
        using var response = await Gateway.GetAsync($"/api/v1/orders/{Guid.NewGuid()}");
        await response.AssertProblemAsync(404, "not-found");
    }

    private async Task AssertCompensatedAsync(Guid orderId, string product, int availableBefore)
    {
        Assert.Equal(availableBefore, await AvailableAsync(product));
        Assert.Equal(0L, await commerce.QueryScalarAsync<long>("inventorydb", $"SELECT count(*) FROM reservations WHERE order_id = '{orderId}' AND status = 'held'"));
        Assert.Equal(0L, await commerce.QueryScalarAsync<long>("paymentsdb", $"SELECT count(*) FROM payments WHERE order_id = '{orderId}' AND status IN ('authorized', 'captured')"));
        Assert.Equal(0L, await commerce.QueryScalarAsync<long>("paymentsdb", $"SELECT count(*) FROM processor_authorizations WHERE order_id = '{orderId}' AND status IN ('authorized', 'captured')"));
        Assert.Equal("failed", await commerce.QueryScalarAsync<string>("ordersdb", $"SELECT status FROM orders WHERE id = '{orderId}'"));
    }

    [Fact]
    public async Task An_orders_end_is_announced_on_the_channel_a_waiting_checkout_listens_on()
    {
        // POST /orders learns of its saga's end from this notification rather than by reading the row again and again.
        await using var listener = new Npgsql.NpgsqlConnection(await commerce.AdminConnectionStringAsync("ordersdb"));
        await listener.OpenAsync();
        var announced = new System.Collections.Concurrent.ConcurrentQueue<string>();
        listener.Notification += (_, e) => announced.Enqueue(e.Payload);
        await using (var listen = new Npgsql.NpgsqlCommand("LISTEN order_ended", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        using var response = await OrderAsync(new { items = new[] { new { productId = "202", quantity = 1 } }, customerId = "cust-announced" });
        var orderId = (await OrderIdAsync(response)).ToString();
        await Eventually.ReturnsAsync(
            async () =>
            {
                await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
                return announced.Contains(orderId);
            },
            seen => seen, TimeSpan.FromSeconds(30), "the order's end is announced on order_ended");
    }

    private Task<HttpResponseMessage> OrderAsync(object body, string? idempotencyKey = null) => Gateway.SendAsync(OrderRequest(body, idempotencyKey));

    private static HttpRequestMessage OrderRequest(object body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    /// <summary>The order as it ended, read at its Location: at once after a 201 or a problem, polled until its saga ends after a 202.</summary>
    private async Task<JsonElement> OutcomeAsync(HttpResponseMessage response) => await EndedAsync(await OrderIdAsync(response));

    /// <summary>The order id every answer to an order carries (the order, or the problem's <c>orderId</c>); read once, it is the body.</summary>
    private static async Task<Guid> OrderIdAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.TryGetProperty("orderId", out var id), $"{(int)response.StatusCode}: {body}");
        return id.GetGuid();
    }

    private Task<JsonElement> EndedAsync(Guid orderId)
        => Eventually.ReturnsAsync(
            () => Gateway.GetFromJsonAsync<JsonElement>($"/api/v1/orders/{orderId}"),
            order => order.GetProperty("status").GetString() != "pending", TimeSpan.FromMinutes(2), "the checkout ends"); // a burst of 100 takes a minute on a slow machine

    private async Task<int> AvailableAsync(string product)
        => (int)await commerce.QueryScalarAsync<long>("inventorydb", $"SELECT sum(available) FROM stock WHERE product_id = '{product}'");

    private Task<decimal> FinalPriceAsync(string product)
        => commerce.QueryScalarAsync<decimal>("pricingdb",
            $"SELECT round(list_price * (100 - coalesce((SELECT discount_percent FROM promotions WHERE product_id = '{product}'), 0)) / 100, 2) FROM prices WHERE product_id = '{product}'");
}
