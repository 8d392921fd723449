using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Hosting;
using Platform.Hosting.Chaos;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>
/// What the network between the commerce services does to a product query, through the graph's fault proxies (the
/// seed's <c>tc netem delay</c> on the inventory container): latency within the budget slows the answer, latency past
/// it leaves that part out on time, and the two downstream calls overlap rather than add up. (The fixture gives the
/// downstream calls 3 s, so each margin here is a second or more.)
/// </summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class NetworkTests(CommerceFixture commerce, ITestOutputHelper output)
{
    private static readonly string ToInventory = EdgeRouter.EdgeName("catalog", "inventory");
    private static readonly string ToPricing = EdgeRouter.EdgeName("catalog", "pricing");

    [Fact]
    public async Task With_500_ms_of_latency_to_inventory_a_product_is_slower_but_whole()
    {
        await WholeAsync("202"); // a warm connection, so the delay is the edge's and not a connect's
        commerce.App.Edges().Set(ToInventory, Delay(TimeSpan.FromMilliseconds(500)));
        try
        {
            var (product, elapsed) = await TimedAsync("202");
            output.WriteLine($"product with 500 ms on {ToInventory}: {elapsed.TotalMilliseconds:0} ms");
            Assert.Empty(product.GetProperty("degraded").EnumerateArray());
            Assert.Equal(JsonValueKind.Object, product.GetProperty("inventory").ValueKind);
            Assert.True(elapsed >= TimeSpan.FromMilliseconds(500), $"the delay was applied ({elapsed.TotalMilliseconds:0} ms)");
        }
        finally
        {
            commerce.App.Edges().Clear(ToInventory);
        }

        await WholeAsync("202");
    }

    [Fact]
    public async Task Inventory_slower_than_its_budget_is_left_out_and_the_product_answers_on_time()
    {
        await WholeAsync("303");
        commerce.App.Edges().Set(ToInventory, Delay(TimeSpan.FromSeconds(8)));
        try
        {
            var (product, elapsed) = await TimedAsync("303");
            output.WriteLine($"product with 8 s on {ToInventory} (its budget is 3 s in this graph): {elapsed.TotalMilliseconds:0} ms");
            Assert.Equal(["inventory"], product.GetProperty("degraded").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(JsonValueKind.Null, product.GetProperty("inventory").ValueKind);
            Assert.Equal(JsonValueKind.Object, product.GetProperty("pricing").ValueKind);
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"the answer did not wait for inventory ({elapsed.TotalMilliseconds:0} ms)");
        }
        finally
        {
            commerce.App.Edges().Clear(ToInventory);
        }

        await Eventually.ReturnsAsync(() => commerce.Gateway.GetFromJsonAsync<JsonElement>("/api/v1/products/303"),
            product => product.GetProperty("degraded").GetArrayLength() == 0, TimeSpan.FromSeconds(30), "the product is whole again");
    }

    [Fact]
    public async Task Inventory_and_pricing_are_asked_at_the_same_time()
    {
        // 1 s on each edge: called one after the other they would take 2 s or more; in parallel about 1 s.
        await WholeAsync("404");
        var delay = TimeSpan.FromSeconds(1);
        commerce.App.Edges().Set(ToInventory, Delay(delay));
        commerce.App.Edges().Set(ToPricing, Delay(delay));
        try
        {
            var (product, elapsed) = await TimedAsync("404");
            output.WriteLine($"product with {delay.TotalMilliseconds:0} ms on both edges: {elapsed.TotalMilliseconds:0} ms");
            Assert.Empty(product.GetProperty("degraded").EnumerateArray());
            Assert.True(elapsed >= delay, $"the delay was applied ({elapsed.TotalMilliseconds:0} ms)");
            Assert.True(elapsed < 2 * delay, $"the two calls overlapped ({elapsed.TotalMilliseconds:0} ms, sequential would be ≥ {2 * delay.TotalMilliseconds:0} ms)");
        }
        finally
        {
            commerce.App.Edges().Clear(ToInventory);
            commerce.App.Edges().Clear(ToPricing);
        }
    }

    /// <summary>Delay on the requests the catalog sends; the answers come back untouched.</summary>
    private static EdgeFaults Delay(TimeSpan latency) => new(new EdgeFault { Latency = latency }, EdgeFault.None);

    private async Task WholeAsync(string productId) => await Eventually.ReturnsAsync(
        () => commerce.Gateway.GetFromJsonAsync<JsonElement>($"/api/v1/products/{productId}"),
        product => product.GetProperty("degraded").GetArrayLength() == 0, TimeSpan.FromSeconds(30), $"product {productId} is whole");

    private async Task<(JsonElement Product, TimeSpan Elapsed)> TimedAsync(string productId)
    {
        var clock = Stopwatch.StartNew();
        using var response = await commerce.Gateway.GetAsync($"/api/v1/products/{productId}");
        var elapsed = clock.Elapsed;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(), elapsed);
    }
}
