using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Platform.Hosting;
using Platform.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Platform.IntegrationTests.Infra;

/// <summary>
/// Seed 003's cache group against the graph's own Redis, a primary with two replicas watched by three Sentinels:
/// the primary is killed under the services and a replica takes over; what was acknowledged stays.
/// </summary>
[Collection(HighAvailabilityCollection.Name)]
[Trait("Category", "infra")]
public sealed class CacheIntegrationTests(HighAvailabilityFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task Redis_Sentinel_failover_promotes_a_replica_keeps_acknowledged_revocations_and_services_follow_without_a_restart()
    {
        var gateway = platform.Gateway;
        var (email, revokedBefore, _) = await gateway.SignUpAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await LogoutAsync(gateway, revokedBefore.AccessToken)).StatusCode); // answered once a replica holds it

        var oldPrimary = platform.App.GetEndpoint("cache-0", "tcp").Port;
        Assert.Equal(oldPrimary, await platform.PrimaryPortAsync());
        var clock = Stopwatch.StartNew();
        await platform.Commands.KillAsync("cache-0");
        var newPrimary = await Eventually.ReturnsAsync(() => platform.PrimaryPortAsync(), port => port != oldPrimary, TimeSpan.FromSeconds(30), "the Sentinels promote a replica");
        var promoted = clock.Elapsed;

        // The services follow the new primary on their own: a new session's logout is stored (and on the remaining
        // replica) again, without restarting auth or the gateway.
        // Each try is a session of its own: a try that stored the revocation and still failed would leave its token revoked.
        var revokedAfter = await Eventually.ReturnsAsync(async () =>
        {
            using var login = await gateway.LoginAsync(email);
            login.EnsureSuccessStatusCode();
            var session = (await login.Content.ReadFromJsonAsync<Tokens>())!;
            using var logout = await LogoutAsync(gateway, session.AccessToken);
            return logout.StatusCode == HttpStatusCode.NoContent ? session : null;
        }, session => session is not null, TimeSpan.FromSeconds(30), "a logout succeeds against the new primary");
        var followed = clock.Elapsed;
        output.WriteLine($"primary {oldPrimary} killed: Sentinels promoted {newPrimary} after {promoted.TotalSeconds:0.0} s, services wrote to it after {followed.TotalSeconds:0.0} s (seed: failover < 30 s)");

        // Both revocations hold: the one acknowledged before the failover survived it.
        foreach (var token in new[] { revokedBefore.AccessToken, revokedAfter!.AccessToken })
        {
            using var me = await gateway.GetAsync("/api/users/me", token);
            var problem = await me.AssertProblemAsync(401, "unauthorized");
            Assert.Contains("revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // The old primary, started again, comes back as a replica of the new one.
        await platform.Commands.StartAsync("cache-0");
        await Eventually.ReturnsAsync(() => RoleAsync("cache-0"), r => r is Role.Replica { State: "connected" } replica && replica.MasterPort == newPrimary,
            TimeSpan.FromSeconds(30), "the old primary rejoins as a replica of the new one");
    }

    /// <summary>The servers of the group that are connected replicas now (a failover moves the roles).</summary>
    private async Task<List<string>> ReplicasAsync()
    {
        var replicas = new List<string>();
        foreach (var server in new[] { "cache-0", "cache-1", "cache-2" })
        {
            if (await RoleAsync(server) is Role.Replica { State: "connected" })
            {
                replicas.Add(server);
            }
        }

        return replicas;
    }

    /// <summary>What a Redis server says it is (ROLE); null while it does not answer.</summary>
    private async Task<Role?> RoleAsync(string server)
    {
        try
        {
            await using var connection = await platform.ConnectAsync(server);
            return await connection.GetServer(connection.GetEndPoints()[0]).RoleAsync();
        }
        catch (RedisConnectionException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_logout_no_replica_acknowledges_is_answered_after_its_short_wait_and_logged()
    {
        var (_, tokens, _) = await platform.Gateway.SignUpAsync();
        var replicas = await ReplicasAsync();
        Assert.Equal(2, replicas.Count);
        foreach (var replica in replicas)
        {
            await platform.Commands.PauseAsync(replica);
        }

        try
        {
            using var logout = await LogoutAsync(platform.Gateway, tokens.AccessToken);
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
            await Eventually.ReturnsAsync(() => platform.App.LastLogLinesAsync("auth", int.MaxValue),
                lines => lines.Any(line => line.Contains("No replica acknowledged a revocation", StringComparison.Ordinal)), TimeSpan.FromSeconds(10),
                "auth logs the revocation no replica holds");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await platform.Commands.ResumeAsync(replica);
            }
        }

        await Eventually.ReturnsAsync(async () => (await ReplicasAsync()).Count, count => count == 2, TimeSpan.FromSeconds(30), "both replicas follow the primary again");
    }

    [Fact]
    public async Task Redis_performance_and_scalability_many_clients_through_the_Sentinels_all_land_on_the_primary_and_both_replicas()
    {
        const int clients = 16, perClient = 250;
        var prefix = $"perf:{Guid.NewGuid():N}";
        // The services' own connection string: the Sentinels, which name the primary.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await platform.ConnectionStringAsync("cache"));
        var db = redis.GetDatabase();
        var latencies = new double[clients * perClient];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            for (var i = 0; i < perClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await db.StringSetAsync($"{prefix}:{client}:{i}", $"{client}-{i}", TimeSpan.FromMinutes(5));
                Assert.Equal($"{client}-{i}", (string?)await db.StringGetAsync($"{prefix}:{client}:{i}"));
                latencies[client * perClient + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        var elapsed = clock.Elapsed;
        Assert.Equal(2L, (long)await db.ExecuteAsync("WAIT", 2, 5000)); // both replicas have every write

        var replicas = await ReplicasAsync();
        Assert.Equal(2, replicas.Count);
        foreach (var server in replicas)
        {
            await using var connection = await platform.ConnectAsync(server);
            var keys = 0;
            await foreach (var _ in connection.GetServer(connection.GetEndPoints()[0]).KeysAsync(pattern: $"{prefix}:*", pageSize: 1000))
            {
                keys++;
            }

            Assert.Equal(clients * perClient, keys);
        }

        Array.Sort(latencies);
        output.WriteLine($"{clients} clients x {perClient} SET+GET through the Sentinels' primary: {latencies.Length / elapsed.TotalSeconds:0} SET+GET pairs/s, " +
                         $"SET+GET mean {latencies.Average():0.00} ms, p99 {latencies[(int)(latencies.Length * 0.99)]:0.00} ms (seed: cache operations < 10 ms on average)");
    }

    private static Task<HttpResponseMessage> LogoutAsync(HttpClient gateway, string accessToken)
    {
        var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        logout.Headers.Authorization = new("Bearer", accessToken);
        return gateway.SendAsync(logout);
    }
}
