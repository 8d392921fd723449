using Platform.Hosting;
using Platform.Hosting.Testing;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>The AppHost's own graph, booted once per collection on free ports in an isolated run directory.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    public HttpClient Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>();
        _app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _app.StartAsync(timeout.Token);
        Gateway = _app.CreateHttpClient("gateway");
    }

    /// <summary>Runs one query against a database of the graph (to check what a request did or did not write).</summary>
    public async Task<T> QueryScalarAsync<T>(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(await App.GetConnectionStringAsync(database));
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
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
