using System.Diagnostics;
using System.Net;

namespace Platform.IntegrationTests.Workspaces;

/// <summary>The two-level cache of workspace reads across the service's two replicas.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "cqrs")]
public sealed class CacheCoherenceTests(PlatformFixture platform, ITestOutputHelper output)
{
    /// <summary>Stated bound: another replica stops serving the old version within 1 s of the write's response (pub/sub delivery; measured in ms).</summary>
    private static readonly TimeSpan StalenessBound = TimeSpan.FromSeconds(1);

    /// <summary>Stated bound around a Redis outage: a replica that could not reach Redis delivers its queued invalidations once it reconnects (retried every 250 ms).</summary>
    private static readonly TimeSpan OutageStalenessBound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_write_on_one_replica_is_seen_by_the_other_within_the_staleness_bound()
    {
        var (_, tokens, _) = await platform.Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        using var first = await platform.ReplicaAsync("workspaces", 0);
        using var second = await platform.ReplicaAsync("workspaces", 1);
        var id = await first.CreateWorkspaceAsync(token, "v1");
        var path = $"/api/workspaces/{id}";
        for (var round = 2; round <= 6; round++)
        {
            // Both replicas hold the current version in L1 (their L1 lives a minute: only invalidation can refresh it).
            Assert.Equal(round - 1, (await first.JsonAsync(path, token)).GetProperty("version").GetInt32());
            Assert.Equal(round - 1, (await second.JsonAsync(path, token)).GetProperty("version").GetInt32());

            var (writer, reader) = round % 2 == 0 ? (first, second) : (second, first);
            using var renamed = await writer.SendAsync(HttpMethod.Patch, path, token, new { name = $"v{round}" });
            Assert.Equal(HttpStatusCode.NoContent, renamed.StatusCode);
            Assert.Equal(round, (await writer.JsonAsync(path, token)).GetProperty("version").GetInt32()); // read-your-writes on the writer

            var clock = Stopwatch.StartNew();
            var seen = await Eventually.ReturnsAsync(() => reader.JsonAsync(path, token), d => d.GetProperty("version").GetInt32() == round, TimeSpan.FromSeconds(5), "the other replica serves the new version");
            Assert.Equal($"v{round}", seen.GetProperty("name").GetString());
            output.WriteLine($"round {round}: other replica fresh after {clock.Elapsed.TotalMilliseconds:0.0} ms");
            Assert.True(clock.Elapsed < StalenessBound, $"stale for {clock.Elapsed.TotalMilliseconds:0} ms");
        }
    }

    [Fact]
    public async Task With_redis_down_reads_and_writes_still_work_and_stay_fresh()
    {
        var (_, tokens, _) = await platform.Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        using var first = await platform.ReplicaAsync("workspaces", 0);
        using var second = await platform.ReplicaAsync("workspaces", 1);
        var id = await first.CreateWorkspaceAsync(token, "before");
        var path = $"/api/workspaces/{id}";
        await second.JsonAsync(path, token); // cached on the second replica

        await platform.Commands.StopAsync("cache");
        try
        {
            var clock = Stopwatch.StartNew();
            using var renamed = await first.SendAsync(HttpMethod.Patch, path, token, new { name = "during" });
            Assert.Equal(HttpStatusCode.NoContent, renamed.StatusCode);
            // The invalidation cannot travel; the second replica must not serve its L1 copy regardless.
            var seen = await Eventually.ReturnsAsync(() => second.JsonAsync(path, token), d => d.GetProperty("name").GetString() == "during", TimeSpan.FromSeconds(15), "the second replica reads past its cache");
            Assert.Equal(2, seen.GetProperty("version").GetInt32());
            output.WriteLine($"write + fresh read with Redis down: {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            await platform.Commands.StartAsync("cache");
        }

        // Right after the restart, and again once the subscriptions are back, the bound holds.
        for (var round = 0; round < 8; round++)
        {
            await second.JsonAsync(path, token);
            using var after = await first.SendAsync(HttpMethod.Patch, path, token, new { name = $"after {round}" });
            Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
            var clock = Stopwatch.StartNew();
            await Eventually.ReturnsAsync(() => second.JsonAsync(path, token), d => d.GetProperty("name").GetString() == $"after {round}", TimeSpan.FromSeconds(5), "coherent once Redis is back");
            output.WriteLine($"after restart, round {round}: other replica fresh after {clock.Elapsed.TotalMilliseconds:0.0} ms");
            Assert.True(clock.Elapsed < OutageStalenessBound, $"round {round}: stale for {clock.Elapsed.TotalMilliseconds:0} ms");
            await Task.Delay(250); // spread the rounds over the resubscription (pacing, not synchronisation)
        }
    }
}
