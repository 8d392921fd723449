using Aspire.Hosting.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Performance;

/// <summary>
/// Load, concurrency and spike runs against the real graph. Each asserts what must hold under load (every call
/// answered correctly, every acknowledged write stored, a surge limited rather than failed) and prints its figures
/// next to a baseline measured in the same run. Speed targets live in ./platform bench, not here.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "performance")]
public sealed class LoadTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Clients = 8;

    [Fact]
    public async Task Concurrent_reads_through_the_gateway_all_succeed_and_its_cost_is_measured_against_calling_a_replica()
    {
        // one user per client: the gateway's rate limit is per user (100 burst, 50/s)
        var users = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            var (_, tokens, _) = await platform.Gateway.SignUpAsync();
            return (Token: tokens.AccessToken, Workspace: await platform.Gateway.CreateWorkspaceAsync(tokens.AccessToken, "Load"));
        }));
        using var replica = await platform.ReplicaAsync("workspaces", 0);

        Task<HttpStatusCode> Read(HttpClient client, int user) => Status(client.GetAsync($"/api/workspaces/{users[user].Workspace}", users[user].Token));
        await Load.RunAsync(Clients, 10, (c, _) => Read(platform.Gateway, c)); // warm both paths and the caches
        await Load.RunAsync(Clients, 10, (c, _) => Read(replica, c));

        var direct = await Load.RunAsync(Clients, 60, (c, _) => Read(replica, c));
        var gateway = await Load.RunAsync(Clients, 60, (c, _) => Read(platform.Gateway, c));

        Assert.Equal(direct.Calls, direct.Count(HttpStatusCode.OK));
        Assert.Equal(gateway.Calls, gateway.Count(HttpStatusCode.OK));
        output.WriteLine($"workspace reads, {Clients} clients");
        output.WriteLine($"  straight to workspaces-0 (baseline): {direct}");
        output.WriteLine($"  through the gateway:                 {gateway}");
        output.WriteLine($"  gateway / baseline: throughput {gateway.PerSecond / direct.PerSecond:0.00}x, p50 {gateway.P50Ms / direct.P50Ms:0.00}x");
    }

    [Fact]
    public async Task Concurrent_writes_are_all_acknowledged_and_stored_and_their_cost_is_measured_against_raw_commits()
    {
        var owners = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            var (_, tokens, _) = await platform.Gateway.SignUpAsync();
            var workspace = await platform.Gateway.CreateWorkspaceAsync(tokens.AccessToken, "Writes");
            return (Token: tokens.AccessToken, Workspace: workspace, Table: await platform.Gateway.CreateTasksTableAsync(tokens.AccessToken, workspace));
        }));
        const int perClient = 25;

        var writes = await Load.RunAsync(Clients, perClient, (c, i) => Status(platform.Gateway.SendAsync(
            HttpMethod.Post, $"/api/workspaces/{owners[c].Workspace}/tables/{owners[c].Table}/records", owners[c].Token, new { values = new { title = $"task {i}", points = i } })));

        Assert.Equal(writes.Calls, writes.Count(HttpStatusCode.Created));
        foreach (var owner in owners)
        {
            // Every acknowledged write reaches the async read model, once (it is eventually consistent: poll for it).
            var records = await Eventually.ReturnsAsync(
                () => platform.Gateway.JsonAsync($"/api/workspaces/{owner.Workspace}/tables/{owner.Table}/records?pageSize=100", owner.Token),
                r => r.GetProperty("total").GetInt32() >= perClient, TimeSpan.FromSeconds(30), "the records view catches up");
            Assert.Equal(perClient, records.GetProperty("total").GetInt32());
        }

        // Baseline: the same number of single-row commits straight into the same Postgres, at the same concurrency.
        await platform.ExecuteAsync("workspacesdb", "CREATE TABLE IF NOT EXISTS load_baseline (id uuid PRIMARY KEY, body jsonb NOT NULL)");
        await using var source = Npgsql.NpgsqlDataSource.Create(await platform.AdminConnectionStringAsync("workspacesdb"));
        var raw = await Load.RunAsync(Clients, perClient, async (_, i) =>
        {
            await using var command = source.CreateCommand("INSERT INTO load_baseline (id, body) VALUES ($1, $2::jsonb)");
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.NewGuid() });
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = JsonSerializer.Serialize(new { title = $"task {i}", points = i }) });
            await command.ExecuteNonQueryAsync();
            return HttpStatusCode.Created;
        });
        output.WriteLine($"record writes, {Clients} clients × {perClient}");
        output.WriteLine($"  raw single-row commits (baseline): {raw}");
        output.WriteLine($"  POST records through the gateway:  {writes}");
        output.WriteLine($"  API / baseline: throughput {writes.PerSecond / raw.PerSecond:0.000}x, p50 {writes.P50Ms / raw.P50Ms:0.0}x");
    }

    [Fact]
    public async Task A_spike_from_one_client_is_rate_limited_with_retry_after_and_nothing_fails()
    {
        var (_, tokens, _) = await platform.Gateway.SignUpAsync();
        var limited = new System.Collections.Concurrent.ConcurrentBag<(string? RetryAfter, string? ContentType)>();

        // 300 requests at once from one user: past the 100-request burst of its token bucket.
        var spike = await Load.RunAsync(300, 1, async (_, _) =>
        {
            using var response = await platform.Gateway.GetAsync("/api/users/me", tokens.AccessToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited.Add((response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType));
            }

            return response.StatusCode;
        });

        output.WriteLine($"spike of 300 concurrent requests from one user: {spike}");
        Assert.Equal(spike.Calls, spike.Count(HttpStatusCode.OK) + spike.Count(HttpStatusCode.TooManyRequests)); // limited or served, never failed
        Assert.InRange(spike.Count(HttpStatusCode.OK), 100, 100 + (int)Math.Ceiling(50 * spike.Seconds) + 1); // the burst, plus what refilled meanwhile
        Assert.NotEmpty(limited);
        Assert.All(limited, l => Assert.Equal(("application/problem+json", true), (l.ContentType, int.TryParse(l.RetryAfter, out var s) && s >= 1)));

        // and the user is served again once the bucket refills
        await Eventually.ReturnsAsync(() => Status(platform.Gateway.GetAsync("/api/users/me", tokens.AccessToken)), s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the user is served again");
    }

    private static async Task<HttpStatusCode> Status(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        return response.StatusCode;
    }
}
