using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using Platform.Hosting;
using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Kafka;
using Platform.Hosting.Orchestration;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;
using Platform.Hosting.Testing;

namespace Platform.IntegrationTests.Hosting;

/// <summary>The hosting layer against real servers, with graphs written here rather than the AppHost's.</summary>
[Trait("Category", "smoke")]
public sealed class HostingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Resources_start_after_the_dependencies_they_wait_for_are_healthy()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var redis = builder.AddRedis("cache");
        builder.AddExecutable("worker", "sleep", Path.GetTempPath(), "300").WithReference(redis).WaitFor(redis);
        await using var app = builder.Build();
        var events = new ConcurrentQueue<(string Name, ResourceState State)>();
        foreach (var instance in app.Instances)
        {
            instance.StateChanged += i => events.Enqueue((i.Name, i.State));
        }

        await app.StartAsync(TestContext.Current.CancellationToken);

        var order = events.ToList();
        Assert.True(order.IndexOf(("cache", ResourceState.Healthy)) < order.IndexOf(("worker", ResourceState.Starting)), string.Join(", ", order));
        Assert.All(app.Instances, i => Assert.Equal(ResourceState.Healthy, i.State));
    }

    [Fact]
    public async Task A_resource_that_cannot_start_fails_the_start_quickly_with_its_last_log_lines()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        builder.AddExecutable("broken", "sh", Path.GetTempPath(), "-c", "echo config-file-missing-marker >&2; exit 3")
            .WithHttpEndpoint().WithHttpHealthCheck("/health");
        await using var app = builder.Build();

        var clock = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Contains("'broken'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", failure.Message, StringComparison.Ordinal);
        Assert.Contains("config-file-missing-marker", failure.Message, StringComparison.Ordinal);
        Assert.Equal(ResourceState.FailedToStart, app.GetInstances("broken").Single().State);
    }

    [Fact]
    public async Task Kill_and_restart_change_the_process_and_keep_the_port()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        await using var app = builder.Build();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var cache = app.GetInstances("cache").Single();
        var port = int.Parse((await app.GetConnectionStringAsync("cache", TestContext.Current.CancellationToken)).Split(':')[1], CultureInfo.InvariantCulture);
        var firstPid = cache.Pid!.Value;

        await app.Commands.KillAsync("cache");
        Assert.Equal(ResourceState.Exited, cache.State);
        Assert.False(File.Exists($"/proc/{firstPid}/status") && !File.ReadAllText($"/proc/{firstPid}/status").Contains("zombie", StringComparison.Ordinal));
        Assert.False(await PingAsync(port));

        await app.Commands.StartAsync("cache", TestContext.Current.CancellationToken);
        Assert.Equal(ResourceState.Healthy, cache.State);
        Assert.True(await PingAsync(port));
        var secondPid = cache.Pid!.Value;
        Assert.NotEqual(firstPid, secondPid);

        await app.Commands.RestartAsync("cache", TestContext.Current.CancellationToken);
        Assert.Equal(ResourceState.Healthy, cache.State);
        Assert.NotEqual(secondPid, cache.Pid);
        Assert.True(await PingAsync(port));
    }

    [Fact]
    public async Task Two_graphs_run_side_by_side_and_leave_no_process_behind()
    {
        var clock = Stopwatch.StartNew();
        await using var first = InfrastructureGraph();
        await using var second = InfrastructureGraph();
        await Task.WhenAll(first.StartAsync(TestContext.Current.CancellationToken), second.StartAsync(TestContext.Current.CancellationToken));
        output.WriteLine($"two infrastructure graphs healthy in {clock.Elapsed.TotalSeconds:0.0} s");

        var firstDb = await first.GetConnectionStringAsync("db", TestContext.Current.CancellationToken);
        var secondDb = await second.GetConnectionStringAsync("db", TestContext.Current.CancellationToken);
        Assert.NotEqual(firstDb, secondDb);
        Assert.NotEqual(await first.GetConnectionStringAsync("kafka", TestContext.Current.CancellationToken), await second.GetConnectionStringAsync("kafka", TestContext.Current.CancellationToken));
        await WriteAndReadAsync(firstDb, "first");
        await WriteAndReadAsync(secondDb, "second");

        var runs = new[] { first.RunId, second.RunId };
        Assert.All(runs, run => Assert.NotEmpty(ProcessesOfRun(run)));
        clock.Restart();
        await first.DisposeAsync();
        await second.DisposeAsync();
        output.WriteLine($"both disposed in {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.All(runs, run => Assert.Empty(ProcessesOfRun(run)));
        Assert.All(first.Instances.Concat(second.Instances), i => Assert.Equal(ResourceState.Stopped, i.State));
    }

    private static DistributedApplication InfrastructureGraph()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddPostgres("postgres").AddDatabase("db");
        builder.AddRedis("cache");
        builder.AddRabbitMQ("messaging");
        builder.AddKafka("kafka").WithTopic("events", 3);
        return builder.Build();
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

    /// <summary>Processes still carrying the run's mark (every child of a run does, see RunDirectory).</summary>
    private static List<int> ProcessesOfRun(string runId)
    {
        var mark = $"PLATFORM_RUN_ID={runId}\0";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText($"{dir}/environ").Contains(mark, StringComparison.Ordinal) && !File.ReadAllText($"{dir}/stat").Contains(") Z ", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var reply = new byte[5];
            await stream.ReadExactlyAsync(reply);
            return reply.AsSpan().SequenceEqual("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
