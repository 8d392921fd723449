namespace Platform.IntegrationTests.Chaos;

/// <summary>The AppHost's graph with a fault proxy on every reference edge (EdgeProxies=true), booted for the chaos collection.</summary>
public sealed class ChaosFixture : PlatformFixture
{
    private Tokens? _probe;

    protected override string[] Arguments => [.. base.Arguments, "--EdgeProxies=true", "--ChaosControlPort=0"];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _probe = (await Gateway.SignUpAsync()).Tokens;
    }

    /// <summary>
    /// Waits until every faulted part answers cleanly again (replicas back, circuits closed, caches reconnected), so
    /// each scenario starts from a healthy graph whatever ran before it: 20 calls in a row through the gateway succeed.
    /// </summary>
    public Task SettleAsync() => Eventually.ReturnsAsync(
        async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                using var workspaces = await Gateway.SendAsync(HttpMethod.Get, "/api/workspaces", _probe!.AccessToken);
                using var me = await Gateway.SendAsync(HttpMethod.Get, "/api/users/me", _probe.AccessToken);
                if (!workspaces.IsSuccessStatusCode || !me.IsSuccessStatusCode)
                {
                    return false;
                }
            }

            return true;
        },
        settled => settled, TimeSpan.FromSeconds(60), "the platform settles before the next scenario");
}

[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosFixture>
{
    public const string Name = "chaos";
}
