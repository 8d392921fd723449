using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>Seed 002's "check metrics": Prometheus text at /metrics on the gateway and every commerce service.</summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class MetricsTests(CommerceFixture commerce)
{
    [Fact]
    public async Task Every_service_serves_request_durations_by_route_and_status_and_orders_counts_saga_outcomes()
    {
        using (var order = await commerce.Gateway.PostAsJsonAsync("/api/v1/orders", new { items = new[] { new { productId = "505", quantity = 1 } }, customerId = "cust-metrics" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, order.StatusCode);
        }

        using var product = await commerce.Gateway.GetAsync("/api/v1/products/505");
        var gateway = await commerce.Gateway.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds_count{", gateway, StringComparison.Ordinal);

        foreach (var service in new[] { "catalog", "inventory", "pricing", "orders", "payments", "reports" })
        {
            using var client = commerce.App.CreateHttpClient(service);
            var text = await client.GetStringAsync("/metrics");
            Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE dotnet_gc_collections_total counter", text, StringComparison.Ordinal);
        }

        using var catalog = commerce.App.CreateHttpClient("catalog");
        Assert.Contains("http_route=\"/api/v1/products/{productId}\"", await catalog.GetStringAsync("/metrics"), StringComparison.Ordinal);
        using var orders = commerce.App.CreateHttpClient("orders");
        await Eventually.ReturnsAsync(() => orders.GetStringAsync("/metrics"),
            text => text.Split('\n').Any(line => line.StartsWith("platform_sagas_ended_total{", StringComparison.Ordinal)
                && line.Contains("saga=\"checkout\"", StringComparison.Ordinal) && line.Contains("status=\"completed\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the orders service counts the completed checkout");
    }
}
