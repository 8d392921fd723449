using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Platform.Hosting;
using Platform.Hosting.Processes;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>The AppHost's own graph, booted once per collection through Aspire.Hosting.Testing (random ports, no dashboard).</summary>
public class PlatformFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    /// <summary>Stop, start, restart, kill, pause and resume resources and replicas ("users-0") by name.</summary>
    public ResourceControl Commands { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>
    /// Arguments for the AppHost (a derived fixture adds its own): the workspace platform's system only (seed 001; other
    /// systems boot in their own fixtures), saga steps may act out injected faults (test only), and a silent step is
    /// given up on after 15 s.
    /// </summary>
    protected virtual string[] Arguments => ["--Systems=platform", "--Sagas:AllowFaultInjection=true", "--Sagas:StepTimeout=00:00:15"];

    public virtual async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(Arguments, ConfigureBuilder);
        _app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _app.StartAsync(timeout.Token);
        await _app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(2), timeout.Token);
        Commands = _app.Control();
        Gateway = _app.CreateHttpClient("gateway");
    }

    /// <summary>Options of the test host (a derived fixture may turn the dashboard on).</summary>
    protected virtual void ConfigureBuilder(DistributedApplicationOptions options, Microsoft.Extensions.Hosting.HostApplicationBuilderSettings settings)
    {
    }

    /// <summary>The connection string the AppHost gives services for a resource of the graph.</summary>
    public async Task<string> ConnectionStringAsync(string resource)
        => await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>
    /// A database of the graph as the server's superuser: what a test uses to see every tenant's rows (a service's own
    /// login sees none of them without a tenant; see TenantIsolationTests).
    /// </summary>
    public async Task<string> AdminConnectionStringAsync(string database)
        => new Npgsql.NpgsqlConnectionStringBuilder(await ConnectionStringAsync("postgres")) { Database = database }.ConnectionString;

    /// <summary>Runs one query against a database of the graph, as the superuser (to check what a request did or did not write).</summary>
    public async Task<T> QueryScalarAsync<T>(string database, string sql)
    {
        // No pooling: a pooled connection would not survive the Postgres restarts some tests cause.
        await using var connection = new Npgsql.NpgsqlConnection(await AdminConnectionStringAsync(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<int> ExecuteAsync(string database, string sql, params object[] parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(await AdminConnectionStringAsync(database));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// A second user in the same tenant as <paramref name="colleagueOf"/>, with the same password. Seeded into authdb
    /// directly: the platform has no invitation flow yet, and registration always creates a new tenant.
    /// </summary>
    public async Task<(Guid UserId, Tokens Tokens)> AddColleagueAsync(Guid colleagueOf)
    {
        var userId = Guid.NewGuid();
        var email = PlatformClient.NewEmail();
        await ExecuteAsync("authdb",
            """
            INSERT INTO accounts (id, tenant_id, email, email_normalized, password_hash, display_name, created_at)
            SELECT $1, tenant_id, $2, lower($2), password_hash, 'Colleague', now() FROM accounts WHERE id = $3
            """, userId, email, colleagueOf);
        using var login = await Gateway.LoginAsync(email);
        login.EnsureSuccessStatusCode();
        return (userId, (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Tokens>(login.Content))!);
    }

    /// <summary>An HttpClient straight to one replica of a service (bypassing the gateway and DCP's proxy).</summary>
    public async Task<HttpClient> ReplicaAsync(string service, int replica)
        => new() { BaseAddress = await Commands.ReplicaUrlAsync($"{service}-{replica}") };

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
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
