using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>Seed 002's product query and bulk check, through the gateway, anonymous as the seed's scripts are.</summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class ProductTests(CommerceFixture commerce)
{
    private HttpClient Gateway => commerce.Gateway;

    [Fact]
    public async Task A_product_comes_with_its_stock_from_inventory_and_its_price_from_pricing()
    {
        var (correlationId, requestId) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/products/123");
        request.Headers.Add("X-Correlation-Id", correlationId);
        request.Headers.Add("X-Request-Id", requestId);
        using var response = await Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(correlationId, response.Headers.GetValues("X-Correlation-Id").Single());
        Assert.Equal(requestId, response.Headers.GetValues("X-Request-Id").Single());
        var product = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("123", product.GetProperty("productId").GetString());
        Assert.Equal("Wireless Mouse", product.GetProperty("name").GetString());
        Assert.Empty(product.GetProperty("degraded").EnumerateArray());

        var inventory = product.GetProperty("inventory");
        Assert.Equal(await commerce.QueryScalarAsync<long>("inventorydb", "SELECT sum(available) FROM stock WHERE product_id = '123'"), inventory.GetProperty("available").GetInt64());
        Assert.NotEmpty(inventory.GetProperty("warehouses").EnumerateArray());
        var pricing = product.GetProperty("pricing");
        Assert.Equal(await commerce.QueryScalarAsync<decimal>("pricingdb", "SELECT list_price FROM prices WHERE product_id = '123'"), pricing.GetProperty("price").GetDecimal());
        Assert.Equal("USD", pricing.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task A_promotion_lowers_the_final_price_by_its_percentage()
    {
        // Every fifth seeded product (n % 5 = 0) is 10 % off: 10000 is.
        var product = await Gateway.GetFromJsonAsync<JsonElement>("/api/v1/products/10000");
        var pricing = product.GetProperty("pricing");
        Assert.Equal(10m, pricing.GetProperty("discount").GetDecimal());
        Assert.Equal(Math.Round(pricing.GetProperty("price").GetDecimal() * 0.9m, 2), pricing.GetProperty("finalPrice").GetDecimal());
    }

    [Fact]
    public async Task An_unknown_product_is_a_404_problem_and_a_malformed_id_a_400()
    {
        using var unknown = await Gateway.GetAsync("/api/v1/products/nonexistent");
        await unknown.AssertProblemAsync(404, "not-found");
        using var malformed = await Gateway.GetAsync($"/api/v1/products/{new string('9', 65)}");
        await malformed.AssertProblemAsync(400, "validation");
    }

    [Fact]
    public async Task With_pricing_stopped_a_product_is_served_without_its_price_and_says_so()
    {
        await commerce.Commands.StopAsync("pricing");
        try
        {
            // Not a 504 at the gateway's budget: the catalog gives up on pricing within its own, shorter one.
            using var response = await Gateway.GetAsync("/api/v1/products/456");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var product = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Null, product.GetProperty("pricing").ValueKind);
            Assert.Equal(["pricing"], product.GetProperty("degraded").EnumerateArray().Select(d => d.GetString()));
            Assert.True(product.GetProperty("inventory").GetProperty("available").GetInt32() > 0);
        }
        finally
        {
            await commerce.Commands.StartAsync("pricing");
        }

        await Eventually.ReturnsAsync(
            () => Gateway.GetFromJsonAsync<JsonElement>("/api/v1/products/456"),
            product => product.GetProperty("pricing").ValueKind == JsonValueKind.Object && product.GetProperty("degraded").GetArrayLength() == 0,
            TimeSpan.FromSeconds(30), "the product has its price again once pricing is back");
    }

    [Fact]
    public async Task With_inventory_stopped_a_product_is_served_without_its_stock_and_comes_back_after_start()
    {
        // The seed's "docker-compose stop inventory-service" and start: both replicas.
        await commerce.Commands.StopAsync("inventory");
        try
        {
            using var response = await Gateway.GetAsync("/api/v1/products/789");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var product = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Null, product.GetProperty("inventory").ValueKind);
            Assert.Equal(["inventory"], product.GetProperty("degraded").EnumerateArray().Select(d => d.GetString()));
            Assert.True(product.GetProperty("pricing").GetProperty("price").GetDecimal() > 0);
        }
        finally
        {
            await commerce.Commands.StartAsync("inventory");
        }

        await Eventually.ReturnsAsync(
            () => Gateway.GetFromJsonAsync<JsonElement>("/api/v1/products/789"),
            product => product.GetProperty("inventory").ValueKind == JsonValueKind.Object && product.GetProperty("degraded").GetArrayLength() == 0,
            TimeSpan.FromSeconds(30), "the product has its stock again once inventory is back");
    }

    [Fact]
    public async Task A_bulk_check_reports_every_requested_id_in_order_with_unknown_ids_not_found()
    {
        string[] ids = ["123", "456", "789", "101", "202", "303", "404", "505", "nonexistent", "123"];
        using var response = await Gateway.PostAsJsonAsync("/api/v1/products/bulk-check", new { productIds = ids });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(ids, results.Select(r => r.GetProperty("productId").GetString()));
        Assert.Equal([true, true, true, true, true, true, true, true, false, true], results.Select(r => r.GetProperty("found").GetBoolean()));
        Assert.Empty(body.GetProperty("degraded").EnumerateArray());

        var mouse = results[0];
        Assert.Equal(await commerce.QueryScalarAsync<long>("inventorydb", "SELECT sum(available) FROM stock WHERE product_id = '123'"), mouse.GetProperty("available").GetInt64());
        Assert.Equal(await commerce.QueryScalarAsync<decimal>("pricingdb", "SELECT list_price FROM prices WHERE product_id = '123'"), mouse.GetProperty("price").GetDecimal());
        Assert.Equal(JsonValueKind.Null, results[8].GetProperty("price").ValueKind);
    }

    [Fact]
    public async Task A_bulk_check_of_the_most_ids_allowed_answers_each_and_one_more_is_refused()
    {
        var ids = Enumerable.Range(10000, 500).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        using var full = await Gateway.PostAsJsonAsync("/api/v1/products/bulk-check", new { productIds = ids });
        var body = await full.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(body.GetProperty("degraded").EnumerateArray());
        var results = body.GetProperty("results");
        Assert.Equal(500, results.GetArrayLength());
        Assert.All(results.EnumerateArray(), r => Assert.True(r.GetProperty("found").GetBoolean() && r.GetProperty("available").GetInt32() > 0 && r.GetProperty("price").GetDecimal() > 0));

        using var tooMany = await Gateway.PostAsJsonAsync("/api/v1/products/bulk-check", new { productIds = ids.Append("505") });
        await tooMany.AssertProblemAsync(400, "validation");
    }

    public static TheoryData<string> BadBulkBodies => new()
    {
        "{}",
        """{"productIds": []}""",
        """{"productIds": ["123", ""]}""",
        """{"productIds": ["123", "no spaces"]}""",
        """{"productIds": "123"}""",
        "not json",
    };

    [Theory]
    [MemberData(nameof(BadBulkBodies))]
    public async Task A_malformed_bulk_check_is_a_400_problem(string body)
    {
        using var response = await Gateway.PostAsync("/api/v1/products/bulk-check", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(400);
    }
}
