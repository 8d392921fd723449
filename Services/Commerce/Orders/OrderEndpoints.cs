using System.Security.Claims;
using Platform.Commerce.Contracts;
using Platform.Sagas;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Orders;

public sealed record OrderLineRequest(string? ProductId, int Quantity);

public sealed record PlaceOrderRequest(IReadOnlyList<OrderLineRequest>? Items, string? CustomerId, string? PaymentToken);

/// <summary>
/// <c>POST /api/v1/orders</c> places an order and waits for its checkout until <c>Commerce:CheckoutBudget</c> (4 s,
/// inside the gateway's 5 s route budget) after the request arrived:
/// 201 confirmed; a problem when it failed (400 insufficient stock, 402 payment declined, 409 payment timeout or another
/// failure), each with an <c>error</c> code; 202 and a Location to poll when it is still running.
/// A signed-in user orders as themself; without a token, only where <c>Commerce:AllowGuests</c> is on, as the
/// <c>customerId</c> given.
/// </summary>
internal static class OrderEndpoints
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 1000;
    private const int MaxKeyLength = 200;

    public static void MapOrderEndpoints(this WebApplication app)
    {
        app.MapPost("/api/v1/orders", PlaceAsync);
        app.MapGet("/api/v1/orders/{orderId:guid}", GetAsync);
    }

    private static async Task<IResult> PlaceAsync(PlaceOrderRequest request, HttpContext http, OrderStore orders, SagaOptions sagaOptions, IConfiguration configuration, TimeProvider clock, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + configuration.GetValue("Commerce:CheckoutBudget", TimeSpan.FromSeconds(4));
        var errors = Validate(request);
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > MaxKeyLength)
        {
            errors["Idempotency-Key"] = [$"At most {MaxKeyLength} characters."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var customerId = CustomerOf(http.User, request, configuration);
        if (customerId is null)
        {
            return Problem.Unauthorized("Sign in to order (this deployment does not take guest orders).");
        }

        var lines = request.Items!.Select(i => new OrderLine(i.ProductId!, i.Quantity)).ToList();
        var orderId = await orders.PlaceAsync(customerId, lines, request.PaymentToken, key.Length > 0 ? key : null, SagaFaults.From(http.Request, sagaOptions), cancellationToken);
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

    private static string? CustomerOf(ClaimsPrincipal user, PlaceOrderRequest request, IConfiguration configuration)
        => user.Identity?.IsAuthenticated == true ? user.GetUserId().ToString()
            : configuration.GetValue("Commerce:AllowGuests", false) ? request.CustomerId : null;

    private static Dictionary<string, string[]> Validate(PlaceOrderRequest request)
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
                if (!ProductIds.IsValid(items[i].ProductId))
                {
                    errors[$"items[{i}].productId"] = ["Not a product id."];
                }

                if (items[i].Quantity is < 1 or > MaxQuantity)
                {
                    errors[$"items[{i}].quantity"] = [$"Order 1 to {MaxQuantity} of a product."];
                }
            }
        }

        // A guest's id (ignored when signed in): letters, digits, '-' and '_', as the seed's "cust-789".
        if (request.CustomerId is { } customer && !ProductIds.IsValid(customer))
        {
            errors["customerId"] = ["Not a customer id."];
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
        var (status, title) = code switch
        {
            Checkout.InsufficientStock => (400, "Insufficient stock"),
            Checkout.Unpriced => (400, "A product has no price"),
            Checkout.PaymentDeclined => (402, "Payment declined"),
            Checkout.PaymentTimeout => (409, "Payment timed out"),
            _ => (409, "Checkout failed"),
        };
        var error = status == 409 && code != Checkout.PaymentTimeout ? "checkout-failed" : code;
        return Problem.Of(status, $"https://platform.dev/problems/{error}", title, reason,
            new Dictionary<string, object?> { ["error"] = error, ["orderId"] = order.OrderId });
    }
}
