using System.Net;
using System.Net.Http.Json;
using Platform.Hosting;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>
/// The seed's "docker-compose logs &lt;service&gt; | grep correlation": a caller's X-Correlation-Id (and X-Request-Id)
/// is in the console log of every service its request passes through, over HTTP and over the bus.
/// </summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class CorrelationTests(CommerceFixture commerce)
{
    [Fact]
    public async Task A_product_querys_ids_are_in_the_logs_of_gateway_catalog_inventory_and_pricing()
    {
        var (correlationId, requestId) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/products/456");
        request.Headers.Add("X-Correlation-Id", correlationId);
        request.Headers.Add("X-Request-Id", requestId);
        using var response = await commerce.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        foreach (var service in new[] { "gateway", "catalog", "inventory", "pricing" })
        {
            await LoggedAsync(service, line => line.Contains(correlationId, StringComparison.Ordinal) && line.Contains(requestId, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_checkouts_correlation_id_is_in_the_logs_of_every_service_its_saga_passes_through()
    {
        var correlationId = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders")
        {
            Content = JsonContent.Create(new { items = new[] { new { productId = "505", quantity = 1 } }, customerId = "cust-traced" }),
        };
        request.Headers.Add("X-Correlation-Id", correlationId);
        using var response = await commerce.Gateway.SendAsync(request);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Accepted }); // 202 when the saga outlives the request's budget

        foreach (var service in new[] { "gateway", "orders", "inventory", "pricing", "payments" })
        {
            await LoggedAsync(service, line => line.Contains(correlationId, StringComparison.Ordinal));
        }
    }

    private async Task LoggedAsync(string service, Func<string, bool> carriesTheIds) => await Eventually.ReturnsAsync(
        () => commerce.App.LastLogLinesAsync(service, int.MaxValue),
        lines => lines.Any(carriesTheIds), TimeSpan.FromSeconds(30), $"{service} logs a line with the ids");
}
