using Platform.Hosting;
using Platform.Hosting.Testing;

namespace Platform.IntegrationTests.Chaos;

/// <summary>The AppHost's graph with a fault proxy on every reference edge (EdgeProxies=true), booted for the chaos collection.</summary>
public sealed class ChaosFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    public HttpClient Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>("--EdgeProxies=true");
        _app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _app.StartAsync(timeout.Token);
        Gateway = new HttpClient { BaseAddress = _app.GetEndpoint("gateway"), Timeout = TimeSpan.FromSeconds(30) };
        _probe = (await Gateway.SignUpAsync()).Tokens;
    }

    private Tokens? _probe;

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

    public async Task<T> QueryScalarAsync<T>(string database, string sql)
    {
        // No pooling: a pooled connection would not survive the Postgres restarts these tests cause.
        await using var connection = new Npgsql.NpgsqlConnection(await App.GetConnectionStringAsync(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosFixture>
{
    public const string Name = "chaos";
}
