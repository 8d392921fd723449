using System.Security.Claims;
using Platform.Commerce.Contracts;
using Platform.Sagas;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Orders;

public sealed record OrderLineRequest(string? ProductId, int Quantity);

public sealed record PlaceOrderRequest(IReadOnlyList<OrderLineRequest?>? Items, string? CustomerId, string? PaymentToken);

/// <summary>
/// <c>POST /api/v1/orders</c> places an order and waits for its checkout until <c>Commerce:CheckoutBudget</c> (6 s
/// after the handler starts, inside the gateway's 10 s budget for orders: the rest covers a request that queued on the way
/// in on a busy machine, where 8 s once let the gateway answer 504 first) after the request arrived:
/// 201 confirmed; a problem when it failed (400 insufficient stock, 402 payment declined, 409 payment timeout or another
/// failure), each with an <c>error</c> code; 202 and a Location to poll when it is still running.
/// A signed-in user orders as themself; without a token, only where <c>Commerce:AllowGuests</c> is on, as the
/// <c>customerId</c> given.
/// </summary>
internal static class OrderEndpoints
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 100_000; // more than any stock: a larger order is "insufficient stock", as the seed's 9999 is
    private const int MaxKeyLength = 200;

    public static void MapOrderEndpoints(this WebApplication app)
    {
        app.MapPost("/api/v1/orders", PlaceAsync);
        app.MapGet("/api/v1/orders/{orderId:guid}", GetAsync);
    }

    private static async Task<IResult> PlaceAsync(PlaceOrderRequest request, HttpContext http, OrderStore orders, SagaOptions sagaOptions, IConfiguration configuration, TimeProvider clock, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + configuration.GetValue("Commerce:CheckoutBudget", TimeSpan.FromSeconds(6));
        var signedIn = http.User.Identity?.IsAuthenticated == true;
        var errors = Validate(request, signedIn);
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > MaxKeyLength)
        {
            errors["Idempotency-Key"] = [$"At most {MaxKeyLength} characters."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        if (!signedIn && !configuration.GetValue("Commerce:AllowGuests", false))
        {
            return Problem.Unauthorized("Sign in to order (this deployment does not take guest orders).");
        }

        if (!signedIn && request.CustomerId is null)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["customerId"] = ["A guest order names its customer."] });
        }

        var customerId = signedIn ? http.User.GetUserId().ToString() : request.CustomerId!;
        var lines = request.Items!.Select(i => new OrderLine(i!.ProductId!, i.Quantity)).ToList();
        var (orderId, sameRequest) = await orders.PlaceAsync(customerId, lines, request.PaymentToken, key.Length > 0 ? key : null, SagaFaults.From(http.Request, sagaOptions), cancellationToken);
        if (!sameRequest)
        {
            return Problem.Of(422, ProblemTypes.Validation, "Idempotency-Key reused", "This Idempotency-Key was first sent with another order; a retry must send the same order.");
        }

        var order = await orders.WaitForOutcomeAsync(orderId, deadline, cancellationToken);
        var location = $"/api/v1/orders/{orderId}";
        return order.Status switch
        {
            "confirmed" => Results.Created(location, order),
            "pending" => Results.Accepted(location, order),
            _ => Failed(order),
        };
    }

    private static async Task<IResult> GetAsync(Guid orderId, ClaimsPrincipal user, OrderStore orders, CancellationToken cancellationToken)
    {
        var order = await orders.FindAsync(orderId, cancellationToken);
        // A signed-in customer's order (its customer is a user id) is theirs alone; a guest order is found by its unguessable id.
        var visible = order is not null && (!Guid.TryParse(order.CustomerId, out var owner)
            || (user.Identity?.IsAuthenticated == true && user.GetUserId() == owner));
        return visible ? Results.Ok(order) : Problem.NotFound($"There is no order {orderId}.");
    }

    private static Dictionary<string, string[]> Validate(PlaceOrderRequest request, bool signedIn)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Items is not { Count: > 0 and <= MaxLines } items)
        {
            errors["items"] = [$"An order has 1 to {MaxLines} lines."];
        }
        else
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not { } line)
                {
                    errors[$"items[{i}]"] = ["An order line has a productId and a quantity."];
                    continue;
                }

                if (!ProductIds.IsValid(line.ProductId))
                {
                    errors[$"items[{i}].productId"] = ["Not a product id."];
                }

                if (line.Quantity is < 1 or > MaxQuantity)
                {
                    errors[$"items[{i}].quantity"] = [$"Order 1 to {MaxQuantity} of a product."];
                }
            }
        }

        // A guest's id (ignored when signed in): letters, digits, '-' and '_', as the seed's "cust-789"; never a user's id
        // (a GUID), which only that user's token stands for.
        if (!signedIn && request.CustomerId is { } customer && (!ProductIds.IsValid(customer) || Guid.TryParse(customer, out _)))
        {
            errors["customerId"] = ["Not a guest customer id."];
        }

        if (request.PaymentToken is { Length: > 100 })
        {
            errors["paymentToken"] = ["At most 100 characters."];
        }

        return errors;
    }

    /// <summary>A failed checkout as a problem whose <c>error</c> says why (the failed step's code), with the order id.</summary>
    private static IResult Failed(OrderView order)
    {
        var reason = order.Error ?? "The checkout failed.";
        var code = reason.Split(':', 2)[0];
        var (status, type, title) = code switch
        {
            Checkout.InsufficientStock => (400, ProblemTypes.InsufficientStock, "Insufficient stock"),
            Checkout.Unpriced => (400, ProblemTypes.Unpriced, "A product has no price"),
            Checkout.PaymentDeclined => (402, ProblemTypes.PaymentDeclined, "Payment declined"),
            Checkout.PaymentTimeout => (409, ProblemTypes.PaymentTimeout, "Payment timed out"),
            _ => (409, ProblemTypes.CheckoutFailed, "Checkout failed"),
        };
        return Problem.Of(status, type, title, reason, new Dictionary<string, object?> { ["error"] = type[(type.LastIndexOf('/') + 1)..], ["orderId"] = order.OrderId });
    }
}
