using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Platform.Hosting;
using Platform.Hosting.Kafka;
using Platform.Hosting.Postgres;
using Platform.Hosting.Processes;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;

namespace Platform.IntegrationTests.Hosting;

/// <summary>The local-process servers under Aspire (DCP), with graphs written here rather than the AppHost's.</summary>
[Trait("Category", "smoke")]
public sealed class HostingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Resources_start_after_the_dependencies_they_wait_for_are_healthy()
    {
        var builder = SmallGraph.CreateBuilder();
        var redis = builder.AddRedisServer("cache");
        builder.AddExecutable("worker", "sleep", Path.GetTempPath(), "300").WithReference(redis).WaitFor(redis);
        await using var app = builder.Build();
        var events = new ConcurrentQueue<string>();
        using var watching = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in app.ResourceNotifications.WatchAsync(watching.Token))
            {
                events.Enqueue($"{e.Resource.Name}:{e.Snapshot.State?.Text}:{e.Snapshot.HealthStatus}");
            }
        }, TestContext.Current.CancellationToken);

        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        await watching.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);

        var order = events.ToList();
        var cacheHealthy = order.IndexOf($"cache:{KnownResourceStates.Running}:{HealthStatus.Healthy}");
        var workerRunning = order.FindIndex(e => e.StartsWith($"worker:{KnownResourceStates.Running}", StringComparison.Ordinal));
        Assert.True(cacheHealthy >= 0 && cacheHealthy < workerRunning, string.Join(", ", order));
    }

    [Fact]
    public async Task A_resource_that_cannot_start_fails_the_start_quickly_with_its_last_log_lines()
    {
        var builder = SmallGraph.CreateBuilder();
        builder.AddRedisServer("cache");
        builder.AddExecutable("broken", "sh", Path.GetTempPath(), "-c", "echo config-file-missing-marker >&2; exit 3")
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck("/health");
        await using var app = builder.Build();

        var clock = Stopwatch.StartNew();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Contains("broken", failure.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 3", failure.Message, StringComparison.Ordinal);
        Assert.Contains("config-file-missing-marker", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_and_restart_change_the_process_and_keep_the_port()
    {
        var builder = SmallGraph.CreateBuilder();
        builder.AddRedisServer("cache");
        await using var app = builder.Build();
        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        var control = app.Control();
        var connectionString = (await app.GetConnectionStringAsync("cache", TestContext.Current.CancellationToken))!;
        var firstPid = ProcessCommands.ProcessId(await control.SnapshotAsync("cache"))!.Value;
        Assert.True(await PingAsync(connectionString));

        await control.KillAsync("cache");
        await Eventually.ReturnsAsync(async () => (await control.SnapshotAsync("cache")).State?.Text, state => KnownResourceStates.TerminalStates.Contains(state), TimeSpan.FromSeconds(10), "DCP sees the kill");
        Assert.False(ProcessTree.IsRunning(firstPid));
        Assert.False(await PingAsync(connectionString));

        await control.StartAsync("cache", TestContext.Current.CancellationToken);
        Assert.True(await PingAsync(connectionString));
        var secondPid = ProcessCommands.ProcessId(await control.SnapshotAsync("cache"))!.Value;
        Assert.NotEqual(firstPid, secondPid);

        await control.RestartAsync("cache", TestContext.Current.CancellationToken);
        Assert.NotEqual(secondPid, ProcessCommands.ProcessId(await control.SnapshotAsync("cache")));
        Assert.True(await PingAsync(connectionString));
    }

    [Fact]
    public async Task Two_graphs_run_side_by_side_and_leave_no_process_behind()
    {
        var clock = Stopwatch.StartNew();
        await using var first = InfrastructureGraph();
        await using var second = InfrastructureGraph();
        await Task.WhenAll(first.StartAsync(TestContext.Current.CancellationToken), second.StartAsync(TestContext.Current.CancellationToken));
        await Task.WhenAll(first.WaitForAllHealthyAsync(TimeSpan.FromMinutes(2)), second.WaitForAllHealthyAsync(TimeSpan.FromMinutes(2)));
        output.WriteLine($"two infrastructure graphs (postgres + database, redis, rabbitmq, kafka) healthy in {clock.Elapsed.TotalSeconds:0.0} s");

        var firstDb = (await first.GetConnectionStringAsync("db", TestContext.Current.CancellationToken))!;
        var secondDb = (await second.GetConnectionStringAsync("db", TestContext.Current.CancellationToken))!;
        Assert.NotEqual(firstDb, secondDb);
        Assert.NotEqual(await first.GetConnectionStringAsync("kafka", TestContext.Current.CancellationToken), await second.GetConnectionStringAsync("kafka", TestContext.Current.CancellationToken));
        await WriteAndReadAsync(firstDb, "first");
        await WriteAndReadAsync(secondDb, "second");

        var processes = (await ProcessesOfAsync(first)).Concat(await ProcessesOfAsync(second)).ToList();
        Assert.True(processes.Count >= 8, $"found {processes.Count} processes");
        clock.Restart();
        await first.DisposeAsync();
        await second.DisposeAsync();
        output.WriteLine($"both disposed in {clock.Elapsed.TotalSeconds:0.0} s; {processes.Count} processes were running");

        Assert.DoesNotContain(processes, ProcessTree.IsRunning);
    }

    private static DistributedApplication InfrastructureGraph()
    {
        var builder = SmallGraph.CreateBuilder();
        builder.AddPostgresServer("postgres").AddDatabase("db");
        builder.AddRedisServer("cache");
        builder.AddRabbitMQServer("messaging");
        builder.AddKafkaServer("kafka").WithTopic("events", 3);
        return builder.Build();
    }

    /// <summary>Every process of the graph's servers (postgres's backends, rabbitmq's epmd, ...), by the pids DCP reports.</summary>
    private static async Task<List<int>> ProcessesOfAsync(DistributedApplication app)
    {
        var control = app.Control();
        var pids = new List<int>();
        foreach (var resource in StartupResources.Of(app.Services.GetRequiredService<DistributedApplicationModel>()).OfType<ExecutableResource>())
        {
            var pid = ProcessCommands.ProcessId(await control.SnapshotAsync(resource.Name))!.Value;
            pids.Add(pid);
            pids.AddRange(ProcessTree.Descendants(pid));
        }

        return pids;
    }

    private static async Task WriteAndReadAsync(string connectionString, string value)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE TABLE marks (value text); INSERT INTO marks VALUES ('" + value + "')", connection);
        await create.ExecuteNonQueryAsync();
        await using var read = new NpgsqlCommand("SELECT value FROM marks", connection);
        Assert.Equal(value, await read.ExecuteScalarAsync());
    }

    /// <summary>AUTH and PING over a raw socket: the server answers, with the password of its connection string.</summary>
    private static async Task<bool> PingAsync(string connectionString)
    {
        var parts = connectionString.Split(',');
        var address = parts[0].Split(':');
        var password = parts.Single(p => p.StartsWith("password=", StringComparison.Ordinal))["password=".Length..];
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(address[0], int.Parse(address[1], System.Globalization.CultureInfo.InvariantCulture));
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"AUTH {password}\r\nPING\r\n"));
            var reply = new byte[12];
            await stream.ReadExactlyAsync(reply);
            return reply.AsSpan().SequenceEqual("+OK\r\n+PONG\r\n"u8);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }
}
