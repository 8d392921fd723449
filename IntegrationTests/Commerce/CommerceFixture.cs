using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>
/// The AppHost's graph started with the commerce system only (<c>--Systems=commerce</c>), as a developer working on it
/// does. Every guest call of the tests comes from one address, which the gateway's per-client limit would throttle
/// as one client (the 100 concurrent checkouts), so the limit is raised here as it is for a load test. Saga steps may
/// act out injected faults (test only), and a silent step is given up on after 10 s.
/// </summary>
public sealed class CommerceFixture : PlatformFixture
{
    protected override string[] Arguments =>
    [
        "--Systems=commerce", "--RateLimiting:Burst=100000", "--RateLimiting:TokensPerSecond=100000",
        "--Sagas:AllowFaultInjection=true", "--Sagas:StepTimeout=00:00:10",
    ];
}

[CollectionDefinition(Name)]
public sealed class CommerceCollection : ICollectionFixture<CommerceFixture>
{
    public const string Name = "commerce";
}
