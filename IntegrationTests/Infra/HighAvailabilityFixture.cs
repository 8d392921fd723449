using Aspire.Hosting.Testing;
using Platform.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Platform.IntegrationTests.Infra;

/// <summary>
/// The workspace platform on the highly available shape of the graph (<c>--HighAvailability=true</c>): Redis as a
/// primary, two replicas and three Sentinels, so far.
/// </summary>
public sealed class HighAvailabilityFixture : PlatformFixture
{
    protected override string[] Arguments => [.. base.Arguments, "--HighAvailability=true"];

    /// <summary>The Redis password of the graph, from the connection string services get.</summary>
    public async Task<string> RedisPasswordAsync()
        => ConfigurationOptions.Parse(await ConnectionStringAsync("cache")).Password ?? throw new InvalidOperationException("The cache has no password.");

    /// <summary>A connection to one Redis process of the graph (a server or a Sentinel), by resource name.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync(string resource)
    {
        var endpoint = App.GetEndpoint(resource, "tcp");
        var options = new ConfigurationOptions { Password = await RedisPasswordAsync(), AllowAdmin = true, AbortOnConnectFail = true, ConnectTimeout = 2000 };
        options.EndPoints.Add(endpoint.Host, endpoint.Port);
        if (resource.Contains("sentinel", StringComparison.Ordinal))
        {
            options.CommandMap = CommandMap.Sentinel;
        }

        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The port of the primary, as a Sentinel tells it.</summary>
    public async Task<int> PrimaryPortAsync(string sentinel = "cache-sentinel-1")
    {
        await using var connection = await ConnectAsync(sentinel);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var primary = await server.SentinelGetMasterAddressByNameAsync(Platform.Hosting.Redis.RedisSentinelGroup.ServiceName) ?? throw new InvalidOperationException("The Sentinel knows no primary.");
        return ((System.Net.IPEndPoint)primary).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class HighAvailabilityCollection : ICollectionFixture<HighAvailabilityFixture>
{
    public const string Name = "high-availability";
}
