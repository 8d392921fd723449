using System.Net;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>Seed 002's error propagation, timeout handling and circuit breaker, through its cascade route, on real calls.</summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class CascadeTests(CommerceFixture commerce)
{
    private HttpClient Gateway => commerce.Gateway;

    [Fact]
    public async Task Without_a_failure_mode_the_cascade_reaches_inventory_and_pricing()
    {
        using var response = await Gateway.GetAsync("/api/v1/health/cascade?failure_mode=none");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_hanging_inventory_is_a_504_problem_at_the_catalogs_budget_not_the_gateways()
    {
        using var response = await Gateway.GetAsync("/api/v1/health/cascade?failure_mode=timeout");
        var problem = await response.AssertProblemAsync(504, "upstream-timeout");
        Assert.Contains("inventory did not answer within 2 s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_concurrent_failures_open_the_circuit_which_then_fails_fast_with_retry_after_and_closes_once_calls_succeed()
    {
        var failures = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await Gateway.GetAsync("/api/v1/health/cascade?failure_mode=inventory");
            return (int)response.StatusCode;
        }));
        Assert.All(failures, status => Assert.Contains(status, new[] { 502, 503 }));

        using (var open = await Gateway.GetAsync("/api/v1/health/cascade?failure_mode=none"))
        {
            var problem = await open.AssertProblemAsync(503, "dependency-unavailable");
            Assert.Contains("circuit is open", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.InRange(int.Parse(open.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 5);
        }

        await Eventually.ReturnsAsync(
            async () => (await Gateway.GetAsync("/api/v1/health/cascade?failure_mode=none")).StatusCode,
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the circuit closes after its break");
    }

    [Fact]
    public async Task An_unknown_failure_mode_is_a_400_problem()
    {
        using var response = await Gateway.GetAsync("/api/v1/health/cascade?failure_mode=everything");
        await response.AssertProblemAsync(400, "validation");
    }
}
