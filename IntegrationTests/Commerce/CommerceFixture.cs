using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>
/// The AppHost's graph started with the commerce system only (<c>--Systems=commerce</c>), as a developer working on it
/// does. Every guest call of the tests comes from one address, which the gateway's per-client limit would throttle
/// as one client (the 100 concurrent checkouts), so the limit is raised here as it is for a load test. Saga steps may
/// act out injected faults (test only), and a silent step is given up on after the platform's 30 s (10 s gave up on
/// the steps of a burst of 100 checkouts still queued on a slow machine). Report jobs walk the catalog at 4
/// pages a second (3 s for an inventory summary), slow enough to kill a worker in the middle of one, and an idle worker sleeps up to 10 min without news (30 s by default), so a job taken up in time was woken by its NOTIFY. Every edge goes
/// through a fault proxy, for the network tests (the seed's <c>tc netem</c>), and a product's downstream calls get 3 s
/// (1 s by default), so the delays those tests add stay clear of the budget on a busy machine.
/// </summary>
public sealed class CommerceFixture : PlatformFixture
{
    protected override string[] Arguments =>
    [
        "--Systems=commerce", "--RateLimiting:Burst=100000", "--RateLimiting:TokensPerSecond=100000",
        "--Sagas:AllowFaultInjection=true", "--Reports:PagesPerSecond=4", "--Reports:IdleCeiling=00:10:00",
        "--EdgeProxies=true", "--ChaosControlPort=0", "--Commerce:DownstreamBudget=00:00:03",
    ];
}

[CollectionDefinition(Name)]
public sealed class CommerceCollection : ICollectionFixture<CommerceFixture>
{
    public const string Name = "commerce";
}
